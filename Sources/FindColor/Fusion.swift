import Foundation
import FindColorImage

/// The ensemble's ab fused with the request's reference photo (its matches as hints, its global
/// colours), region mask and local hints.
extension Colorizer {
    /// ab at the ensemble's fusion resolution, with L at that resolution (the guide).
    func fusedAB(L: PlanarImage, request: ColorizeRequest, spec: EnsembleSpec) throws -> (ab: PlanarImage, L: PlanarImage) {
        var hints = request.hints
        var refStats: ReferenceMatcher.ABStatistics? = nil
        if let ref = request.reference {
            let matcher = ReferenceMatcher(colorizer: self)
            let result = try matcher.hints(target: L, reference: ref, region: request.region, userHints: request.hints,
                                           shortSide: spec.shortSide)
            hints = result.hints + request.hints  // user hints last: they win where they overlap
            refStats = result.referenceStatistics
        }
        var ensemble = Ensemble(colorizer: self, spec: spec)
        ensemble.vividness = request.settings.vividness
        var (ab, Lf) = Self.runWithLocalHints(ensemble, L: L, hints: hints)
        if let region = request.region {
            // Outside the region the automatic result (user hints only), blended with a feathered mask.
            let (abAuto, _) = Self.runWithLocalHints(ensemble, L: L, hints: request.hints)
            let mask = Ensemble.featheredMask(resizeArea(region, width: ab.width, height: ab.height),
                                              radius: max(2, min(ab.width, ab.height) / 64))
            if let s = refStats, request.settings.transferGlobal {
                ab = ReferenceMatcher.transfer(ab, to: s, weights: mask)
            }
            ab = Ensemble.blend(ab, abAuto, weight: mask)
        } else if let s = refStats, request.settings.transferGlobal {
            ab = ReferenceMatcher.transfer(ab, to: s, weights: nil)
        }
        return (ab, Lf)
    }

    /// The ensemble's ab with `hints`; where some hints are `local`, what they change is kept only
    /// inside their edge-bounded regions (`LocalHintRegion`), at the cost of a second run without them.
    static func runWithLocalHints(_ ensemble: Ensemble, L: PlanarImage, hints: [Hint]) -> (ab: PlanarImage, L: PlanarImage) {
        let (ab, Lf) = ensemble.run(L: L, hints: hints)
        let local = hints.filter { $0.spread == .local }
        guard !local.isEmpty else { return (ab, Lf) }
        let (abOthers, _) = ensemble.run(L: L, hints: hints.filter { $0.spread != .local })
        let scaled = local.map { $0.scaled(fromWidth: L.width, fromHeight: L.height, toWidth: Lf.width, toHeight: Lf.height) }
        return (Ensemble.blend(ab, abOthers, weight: LocalHintRegion.weights(L: Lf, hints: scaled)), Lf)
    }
}
