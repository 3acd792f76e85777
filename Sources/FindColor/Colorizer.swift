import Foundation
import FindColorImage
import FindColorNN

/// The colorizer: decoding aside, everything between a photo's lightness and its colour.
///
/// Pipeline: L at full resolution → one or more network passes at working resolutions (the
/// ensemble) → ab fused at the finest pass's resolution → edge-aware (guided-filter) upsampling to
/// full resolution, guided by the full-resolution L → gamut-mapped sRGB. Not safe to call from
/// several threads at once: the network already uses every core.
///
/// Where each part is: the request and result types in ColorizeRequest.swift, one network pass
/// (reflection padding, hint planes) in NetworkPass.swift, what is read from the bin logits (annealed
/// mean, confidence) in ColourDistribution.swift, the ensemble in Ensemble.swift, the reference,
/// region and local hints fused with it in Fusion.swift, the working size in WorkingSize.swift,
/// the fast preview in Preview.swift, colour suggestions in Suggest.swift, the guided upsampling and
/// gamut mapping in Finish.swift, the reuse of recent passes (the web app's preview → full render)
/// in PassCache.swift.
public final class Colorizer: @unchecked Sendable {
    public let network: FindColorNetwork
    public var config: ModelConfig { network.config }
    public let modelURL: URL
    /// Edge-aware upsampling: guided filter radius (in low-resolution pixels) and ε (in L*² units).
    public var guidedRadius = 2
    public var guidedEpsilon: Float = 12
    /// Recent network passes for reuse (nil: none kept). The web app sets one: its preview's pass
    /// is the first pass of the full-resolution render that follows.
    public var passCache: PassCache?

    /// - Parameter precision: the network's arithmetic (`ModelPrecision`; fp32 unless asked).
    public init(modelURL: URL, backend: Backend = .default, precision: ModelPrecision = .fp32) throws {
        let (store, json) = try WeightStore.model(at: modelURL, configKey: ModelConfig.metadataKey,
                                                  missing: "\(modelURL.lastPathComponent) has no FindColor configuration")
        do {
            network = try FindColorNetwork(config: try ModelConfig.parse(json), weights: store, backend: backend,
                                           precision: precision)
        } catch let e as FindColorError {
            throw e
        } catch {
            throw FindColorError.model("\(modelURL.lastPathComponent): \(error)")
        }
        self.modelURL = modelURL
    }

    /// The bundled model (see `ModelLocator`).
    public static func bundled(backend: Backend = .default, precision: ModelPrecision = .fp32) throws -> Colorizer {
        try Colorizer(modelURL: try ModelLocator.bundledModelURL(), backend: backend, precision: precision)
    }

    // MARK: - Colorize

    /// Colourizes a decoded photo (1-channel gray or 3-channel sRGB; colour or toned photos are
    /// reduced to their L*). The result has the input's size.
    public func colorize(_ image: PlanarImage, _ request: ColorizeRequest) throws -> ColorizeResult {
        guard image.channels == 1 || image.channels == 3 else {
            throw FindColorError.invalidImage("expected a gray or RGB image, got \(image.channels) channels")
        }
        return try colorize(lightness: lightness(of: image), request)
    }

    /// Colourizes from the lightness plane (L* in [0, 100]) directly (lets callers free the decoded
    /// image first: a 24-megapixel scan then peaks well below 1 GB).
    public func colorize(lightness L: PlanarImage, _ request: ColorizeRequest) throws -> ColorizeResult {
        let t0 = DispatchTime.now()
        let (abLow, Llow) = try lowResolutionAB(L: L, request)
        let rgb = finish(L: L, ab: abLow, guideLow: Llow)
        return ColorizeResult(rgb: rgb, milliseconds: ms(since: t0))
    }

    /// The checked request's fused ab (and L*) at the finest pass's resolution, the network's kept
    /// buffers released (they are not needed for the full-resolution finish: peak memory).
    private func lowResolutionAB(L: PlanarImage, _ request: ColorizeRequest) throws -> (ab: PlanarImage, L: PlanarImage) {
        try validate(request, width: L.width, height: L.height)
        let fused = try fusedAB(L: L, request: request, spec: request.settings.ensemble)
        // Freed tensor memory beyond the web app's working set back to the system; for large photos
        // all of it and the C allocator's free memory, before the finish adds its full-resolution
        // buffers (docs/speed.md). Small ones keep their working set: the web app's next 1 MP
        // render would fault the pages in again.
        TensorMemoryPool.drain()
        if L.planeSize >= Self.trimHeapPixels { TensorMemoryPool.trimHeap() }
        return fused
    }

    /// Photos of at least this many pixels give the allocator's free memory back after their
    /// network passes (`TensorMemoryPool.trimHeap`).
    static let trimHeapPixels = 4_000_000

    /// `colorize(lightness:_:)` straight to 8-bit interleaved RGB (the same samples as quantising
    /// its result), for callers that write JPEG or 8-bit PNG: the full-resolution float result (12
    /// bytes a pixel) is never held, a quarter of a 24 MP colourization's peak memory.
    public func colorize8(lightness L: PlanarImage, _ request: ColorizeRequest) throws -> (rgb: InterleavedImage8, milliseconds: Double) {
        let t0 = DispatchTime.now()
        let (abLow, Llow) = try lowResolutionAB(L: L, request)
        let rgb = finish8(L: L, ab: abLow, guideLow: Llow)
        return (rgb, ms(since: t0))
    }

    // MARK: - Checks

    func validate(_ r: ColorizeRequest, width: Int, height: Int) throws {
        try HintParser.validate(r.hints, imageWidth: width, imageHeight: height)
        if let region = r.region {
            guard region.width == width, region.height == height else {
                throw FindColorError.invalidRegion("the mask is \(region.width)×\(region.height) but the photo is \(width)×\(height)")
            }
            guard region.channels == 1 else { throw FindColorError.invalidRegion("the mask must have one channel") }
            guard r.reference != nil else { throw FindColorError.invalidRegion("a region needs a reference photo") }
            guard region.data.contains(where: { $0 > 0.5 }) else {
                throw FindColorError.invalidRegion("the mask is empty (no white pixels)")
            }
        }
        if let ref = r.reference {
            guard ref.channels == 3 else {
                throw FindColorError.invalidReference("the reference must be a colour photo (it has \(ref.channels) channel)")
            }
            let side = ColorizeRequest.minimumReferenceSide
            guard min(ref.width, ref.height) >= side else {
                throw FindColorError.invalidReference("the reference is too small (\(ref.width)×\(ref.height); at least \(side)×\(side))")
            }
        }
        do { try r.settings.validate() } catch let e as ColorizeSettings.Invalid { throw FindColorError.invalidOption(e.description) }
        if r.settings.transferGlobal && r.reference == nil {
            throw FindColorError.invalidOption("transferring global colours needs a reference photo")
        }
    }

}

func ms(since t0: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
}
