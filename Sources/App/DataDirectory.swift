import ArgumentParser

/// `--data-dir`, shared by every command. The log lives in `DIR/log`.
struct DataDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory holding the event log and projections.")
    var dataDirectory: String = "./data"

    var logDirectory: String {
        (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "/log"
    }
}
