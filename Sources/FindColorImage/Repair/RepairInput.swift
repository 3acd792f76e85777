/// The argument checks shared by the repair steps (`Inpainting`, `GrainReduction`, `FadeCorrection`):
/// one lightness plane, an optional defect mask of the same size, a strength in [0, 1]. Every
/// failure is an `ImageError.invalidArgument` whose message names the rule that was broken.
enum RepairInput {
    /// A defect mask sample above this marks a defect (a pixel to repair); NaN counts as no defect.
    static let maskThreshold: Float = 0.5

    /// `l` must be one L* plane (1 channel).
    static func checkLightness(_ l: PlanarImage, operation: String) throws {
        guard l.channels == 1 else {
            throw ImageError.invalidArgument(
                "\(operation) needs a 1-channel L* image, got \(l.channels) channels")
        }
    }

    /// `mask` must be 1 channel and exactly the size of `l`.
    static func checkMask(_ mask: PlanarImage, for l: PlanarImage, operation: String) throws {
        guard mask.channels == 1 else {
            throw ImageError.invalidArgument(
                "\(operation): the defect mask must have 1 channel, got \(mask.channels) channels")
        }
        guard mask.width == l.width, mask.height == l.height else {
            throw ImageError.invalidArgument(
                "\(operation): the defect mask is \(mask.width)×\(mask.height) but the image is \(l.width)×\(l.height)")
        }
    }

    /// A strength must be a finite number in [0, 1].
    static func checkStrength(_ strength: Float, operation: String) throws {
        guard strength.isFinite, strength >= 0, strength <= 1 else {
            throw ImageError.invalidArgument("\(operation): the strength must be between 0 and 1, got \(strength)")
        }
    }
}
