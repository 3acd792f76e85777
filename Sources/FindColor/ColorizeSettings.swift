import Foundation

/// How to colourize, apart from what with (the photo, hints, reference and region of a
/// `ColorizeRequest`): the ensemble preset and any changes to its ensemble, the vividness and the
/// global colour transfer. The CLI (colorize, eval), the server's stateless route, a project's
/// settings and the project store all fill one of these and check it with the one `validate()`.
public struct ColorizeSettings: Codable, Equatable, Sendable {
    public var preset: EnsemblePreset
    /// Changes to the preset's ensemble (working size, detail passes, fusion); none by default.
    public var overrides: EnsembleOverrides
    /// 0…1: how far to move from the network's regression output (the most accurate colour, often
    /// timid) towards the annealed mean of its colour distribution (Zhang et al. 2016, T from the
    /// model configuration: vivid, less accurate). The trade-off for the bundled model is measured
    /// with `findcolor eval --vividness v` (README, "Vividness").
    public var vividness: Float
    /// With a reference photo: also match its global colour distribution (mean and spread of a*, b*).
    public var transferGlobal: Bool

    public init(preset: EnsemblePreset = .balanced, overrides: EnsembleOverrides = EnsembleOverrides(),
                vividness: Float = 0, transferGlobal: Bool = false) {
        self.preset = preset
        self.overrides = overrides
        self.vividness = vividness
        self.transferGlobal = transferGlobal
    }

    /// The ensemble that runs: the preset's, with the overrides applied.
    public var ensemble: EnsembleSpec { overrides.applied(to: preset.spec) }

    /// The working sizes (short side of the image-wise pass) accepted.
    public static let workingSizes = 64...4096
    public static let maxZooms = 1...16
    public static let fusionPowers: ClosedRange<Float> = 0...16

    /// The one check of a colourization's settings (every caller's range rules are here).
    public func validate() throws {
        guard vividness.isFinite, (0...1).contains(vividness) else {
            throw Invalid(.vividness, "must be in 0…1, got \(vividness)")
        }
        let s = ensemble
        guard Self.workingSizes.contains(s.shortSide) else {
            throw Invalid(.workingSize, "must be in \(Self.workingSizes.lowerBound)…\(Self.workingSizes.upperBound), got \(s.shortSide)")
        }
        guard Self.maxZooms.contains(s.maxZoom) else {
            throw Invalid(.maxZoom, "must be in \(Self.maxZooms.lowerBound)…\(Self.maxZooms.upperBound), got \(s.maxZoom)")
        }
        guard s.window >= 64, s.window % 32 == 0 else {
            throw Invalid(.window, "must be a multiple of 32 and at least 64, got \(s.window)")
        }
        guard s.stride >= 16, s.stride <= s.window else {
            throw Invalid(.stride, "must be in 16…\(s.window) (the window), got \(s.stride)")
        }
        guard s.detailLimit > 0, s.detailLimit <= 1 else {
            throw Invalid(.detailLimit, "must be in (0, 1], got \(s.detailLimit)")
        }
        guard Self.fusionPowers.contains(s.fusionPower) else {
            throw Invalid(.fusionPower, "must be in 0…16, got \(s.fusionPower)")
        }
    }

    /// A setting that `validate()` refused, and why.
    public struct Invalid: Error, Equatable, CustomStringConvertible, LocalizedError {
        public var setting: Setting
        /// E.g. "must be in 0…1, got 2.0".
        public var reason: String

        public init(_ setting: Setting, _ reason: String) {
            self.setting = setting
            self.reason = reason
        }

        /// E.g. "vividness must be in 0…1, got 2.0".
        public var description: String { "\(setting.name) \(reason)" }
        public var errorDescription: String? { description }
    }

    /// The settings `validate()` checks; the raw value is the CLI option's name (without "--").
    public enum Setting: String, Sendable, CaseIterable {
        case vividness
        case workingSize = "working-size"
        case maxZoom = "max-zoom"
        case window
        case stride
        case detailLimit = "detail-limit"
        case fusionPower = "fusion-power"

        /// In words: "working size".
        public var name: String { rawValue.replacingOccurrences(of: "-", with: " ") }
    }
}

/// Changes to a preset's ensemble (nil: the preset's value). See `EnsembleSpec` for each field.
public struct EnsembleOverrides: Codable, Equatable, Sendable {
    public var workingSize: Int?
    public var flip: Bool?
    public var maxZoom: Int?
    public var window: Int?
    public var stride: Int?
    public var flipDetail: Bool?
    public var detailLimit: Double?
    public var fusionPower: Float?
    public var splitParts: Bool?
    public var everyZoom: Bool?

    public init(workingSize: Int? = nil, flip: Bool? = nil, maxZoom: Int? = nil, window: Int? = nil, stride: Int? = nil,
                flipDetail: Bool? = nil, detailLimit: Double? = nil, fusionPower: Float? = nil, splitParts: Bool? = nil,
                everyZoom: Bool? = nil) {
        self.workingSize = workingSize
        self.flip = flip
        self.maxZoom = maxZoom
        self.window = window
        self.stride = stride
        self.flipDetail = flipDetail
        self.detailLimit = detailLimit
        self.fusionPower = fusionPower
        self.splitParts = splitParts
        self.everyZoom = everyZoom
    }

    public func applied(to preset: EnsembleSpec) -> EnsembleSpec {
        var s = preset
        if let workingSize { s.shortSide = workingSize }
        if let flip { s.flip = flip }
        if let maxZoom { s.maxZoom = maxZoom }
        if let window { s.window = window }
        if let stride { s.stride = stride }
        if let flipDetail { s.flipDetail = flipDetail }
        if let detailLimit { s.detailLimit = detailLimit }
        if let fusionPower { s.fusionPower = fusionPower }
        if let splitParts { s.splitParts = splitParts }
        if let everyZoom { s.everyZoom = everyZoom }
        return s
    }

    /// Whether nothing is changed.
    public var isEmpty: Bool { self == EnsembleOverrides() }

    /// What is changed, for report headers and run manifests: "working size 384, max zoom 2".
    public var summary: String {
        [workingSize.map { "working size \($0)" }, flip.map { "flip \($0)" }, maxZoom.map { "max zoom \($0)" },
         window.map { "window \($0)" }, stride.map { "stride \($0)" }, flipDetail.map { "flip detail \($0)" },
         detailLimit.map { "detail limit \($0)" }, fusionPower.map { "fusion power \($0)" },
         splitParts.map { $0 ? "split parts" : "whole scan" }, everyZoom.map { $0 ? "every zoom" : "finest zoom only" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}
