import ArgumentParser
import FindColorNN
import FindColorParallel
import Foundation

@main
struct FindColorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findcolor",
        abstract: "Restore colour to black-and-white photographs.",
        discussion: """
            Automatic colour, colour hints (--hints), a reference photo for the whole picture or a \
            region (--reference, --region), ensembles (--preset), evaluation, benchmarks and a web app.
            The bundled model (Models/findcolor-v2.safetensors) is found without flags.
            """,
        subcommands: [Colorize.self, Restore.self, Report.self, Suggest.self, Eval.self, Bench.self, Serve.self]
    )

    /// oneDNN's OpenMP threads spin only briefly between primitives (a long spin starves other work
    /// on a 2-core machine, none costs a wake-up per convolution); libgomp reads its settings only
    /// at start-up, so the program re-executes itself once with them set.
    static func main() async {
        OneDNN.reexecWithOpenMPWaitSettingsIfNeeded()
        Parallel.useOpenMPTeam()  // the commands run the network on this thread
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error) // a wrong command line: the message and the usage
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as ValidationError {
            // Thrown while running, about a file or folder rather than the command line: one line,
            // without the (root command's) usage that argument-parser would print after it.
            exit(withError: InputError(error.message))
        } catch {
            exit(withError: error)
        }
    }
}
