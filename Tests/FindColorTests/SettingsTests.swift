import Testing
@testable import FindColor

/// `ColorizeSettings.validate`: the one check of preset, ensemble and vividness that the CLI, the
/// server's routes and the project store share.
@Suite struct SettingsTests {
    /// Each refusal names the setting (the CLI prefixes "--" to it, the server answers it as 400).
    func refusal(_ settings: ColorizeSettings) -> ColorizeSettings.Invalid? {
        do {
            try settings.validate()
            return nil
        } catch let e as ColorizeSettings.Invalid {
            return e
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func presetsAndDefaultsAreValid() throws {
        try ColorizeSettings().validate()
        for preset in EnsemblePreset.allCases {
            try ColorizeSettings(preset: preset).validate()
            try ColorizeSettings(preset: preset, vividness: 1, transferGlobal: true).validate()
            #expect(ColorizeSettings(preset: preset).ensemble == preset.spec)
        }
        #expect(ColorizeSettings().preset == .balanced)
    }

    @Test func vividnessIsInZeroToOne() throws {
        for ok: Float in [0, 0.3, 1] { try ColorizeSettings(vividness: ok).validate() }
        for bad: Float in [-0.1, 1.01, .nan, .infinity, -.infinity] {
            let e = refusal(ColorizeSettings(vividness: bad))
            #expect(e?.setting == .vividness, "\(bad)")
            #expect(e?.description.hasPrefix("vividness must be in 0…1") == true, "\(e?.description ?? "")")
        }
    }

    @Test func ensembleOverridesAreChecked() throws {
        func check(_ o: EnsembleOverrides, _ setting: ColorizeSettings.Setting?, sourceLocation: SourceLocation = #_sourceLocation) {
            let e = refusal(ColorizeSettings(preset: .balanced, overrides: o))
            #expect(e?.setting == setting, "\(o)", sourceLocation: sourceLocation)
        }
        check(EnsembleOverrides(workingSize: 64), nil)
        check(EnsembleOverrides(workingSize: 4096), nil)
        check(EnsembleOverrides(workingSize: 63), .workingSize)
        check(EnsembleOverrides(workingSize: 10), .workingSize)
        check(EnsembleOverrides(workingSize: 99999), .workingSize)
        check(EnsembleOverrides(maxZoom: 0), .maxZoom)
        check(EnsembleOverrides(maxZoom: 17), .maxZoom)
        check(EnsembleOverrides(maxZoom: 8), nil)
        check(EnsembleOverrides(window: 100), .window)
        check(EnsembleOverrides(window: 32), .window)
        check(EnsembleOverrides(window: 640, stride: 640), nil)
        check(EnsembleOverrides(stride: 8), .stride)
        check(EnsembleOverrides(window: 256, stride: 300), .stride)  // stride larger than the window
        check(EnsembleOverrides(detailLimit: 0), .detailLimit)
        check(EnsembleOverrides(detailLimit: 1.5), .detailLimit)
        check(EnsembleOverrides(detailLimit: .nan), .detailLimit)
        check(EnsembleOverrides(detailLimit: 1), nil)
        check(EnsembleOverrides(fusionPower: -1), .fusionPower)
        check(EnsembleOverrides(fusionPower: 17), .fusionPower)
        check(EnsembleOverrides(fusionPower: .nan), .fusionPower)
        check(EnsembleOverrides(fusionPower: 0), nil)
    }

    @Test func refusalsNameTheSettingInWords() {
        let e = ColorizeSettings.Invalid(.workingSize, "must be in 64…4096, got 10")
        #expect(e.description == "working size must be in 64…4096, got 10")
        #expect(e.setting.rawValue == "working-size")
        #expect(ColorizeSettings.Setting.fusionPower.name == "fusion power")
    }

    /// The ensemble is the preset's with the overrides applied; the request has no second copy.
    @Test func overridesApplyToThePreset() {
        var s = ColorizeSettings(preset: .best)
        #expect(s.overrides.isEmpty && s.overrides.summary == "")
        s.overrides = EnsembleOverrides(workingSize: 384, maxZoom: 2)
        var expected = EnsemblePreset.best.spec
        expected.shortSide = 384
        expected.maxZoom = 2
        #expect(s.ensemble == expected)
        #expect(!s.overrides.isEmpty)
        #expect(s.overrides.summary == "working size 384, max zoom 2")
        let request = ColorizeRequest(settings: s)
        #expect(request.settings.ensemble == expected)
    }
}
