import Foundation

extension Colorizer {
    /// The network's working size for a `width × height` photo: the aspect ratio kept, the short
    /// side `shortSide` = S (never larger than the input), and bounded in both dimensions, so that
    /// the network's memory (~230 bytes per working pixel) is bounded for any aspect ratio: at most
    /// `maxWorkingAspect`·S² pixels (a 4:1 photo at the full short side; wider photos are scaled
    /// down further: 65535×256 → 8192×32) and a long side of at most 4·S²/32 (8192 at S = 256), so
    /// that strips thinner than the network's multiple of 32 stay within 4·S² once padded. Padded,
    /// the network never sees more than ~8·S² pixels.
    public static func fit(width: Int, height: Int, shortSide: Int) -> (Int, Int) {
        let w = Double(max(1, width)), h = Double(max(1, height)), side = Double(shortSide)
        let maxPixels = Double(maxWorkingAspect) * side * side
        let s = min(1.0, side / min(w, h), (maxPixels / (w * h)).squareRoot(), maxPixels / 32 / max(w, h))
        return (max(1, Int((w * s).rounded())), max(1, Int((h * s).rounded())))
    }

    /// See `fit`: the working size holds at most this many S² pixels.
    public static let maxWorkingAspect = 4
}
