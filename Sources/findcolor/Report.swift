import ArgumentParser
import FindColor
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the run manifests of a (sharded) batch: totals, failures, throughput, missing photos.",
        discussion: """
            Reads OUTPUT/.findcolor/shard-*.jsonl, written by `findcolor colorize … --shard i/N | auto` \
            (or --manifest), walks the inputs those runs named and prints: photos done, failed (with \
            the reasons), missing from every manifest; throughput in photos per hour per core. Lines \
            that are not whole records (a writer killed mid-line) are skipped and listed.
            Exit status: 0 when every photo is done, 1 when any photo failed, 2 when none failed but \
            the batch is not complete (photos missing, outputs gone, or the inputs could not be walked).
            Example:
              findcolor report coloured/
              findcolor report coloured/ --input /mnt/archive --json
            """
    )

    @Argument(help: "The output folder of the batch.")
    var output: String

    @Option(name: .customLong("input"), help: "The batch's input folder or photo, where it differs from the path in the manifests (repeat for several).")
    var inputs: [String] = []

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(help: "At most this many lines per list in the text report.")
    var limit: Int = 50

    func validate() throws {
        guard limit >= 0 else { throw ValidationError("--limit must be ≥ 0") }
    }

    func run() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("no such output folder: \(output)")
        }
        let report: BatchReport
        do {
            report = try BatchReport.make(outputDirectory: URL(fileURLWithPath: output).standardizedFileURL,
                                          inputs: inputs.isEmpty ? nil : inputs.map { URL(fileURLWithPath: $0).standardizedFileURL })
        } catch let FindColorError.invalidOption(m) {
            throw InputError(m)
        }
        if json {
            let e = JSONEncoder()
            e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(report), as: UTF8.self))
        } else {
            print(report.text(limit: limit), terminator: "")
        }
        if !report.failed.isEmpty { throw ExitCode.failure }
        if !report.complete { throw ExitCode(2) }
    }
}
