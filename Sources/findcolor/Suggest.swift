import ArgumentParser
import FindColor
import FindColorImage
import Foundation

struct Suggest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the model's most plausible colours at a point (JSON), like a palette.")

    @Argument(help: "The photo.") var input: String
    // `.unconditional`: "--x -1" is a (wrong) value, not a missing one.
    @Option(parsing: .unconditional, help: "Column of the point (input pixels).") var x: Int
    @Option(parsing: .unconditional, help: "Row of the point (input pixels).") var y: Int
    @Option(help: "Hint file already placed (the suggestions take them into account).") var hints: String?
    @Option(help: "How many colours.") var top: Int = 8
    @OptionGroup var modelOptions: ModelOptions
    @OptionGroup var limitOptions: LimitOptions

    func validate() throws {
        guard (1...64).contains(top) else { throw ValidationError("--top must be in 1…64") }
    }

    func run() throws {
        limitOptions.applyMemoryMode()
        let decoded = try readImage(input, limits: limitOptions.limits)
        let img = decoded.image
        let hintList = try hints.map { try HintParser.parse(try readHintFile($0), imageWidth: img.width, imageHeight: img.height) } ?? []
        let colorizer = try modelOptions.load()
        let colours = try colorizer.suggest(img, x: x, y: y, hints: hintList, topK: top)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        struct Out: Encodable { var x: Int; var y: Int; var suggestions: [SuggestedColor] }
        print(String(decoding: try encoder.encode(Out(x: x, y: y, suggestions: colours)), as: UTF8.self))
    }
}
