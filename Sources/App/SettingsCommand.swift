import ArgumentParser

/// `clickunlock settings`: every setting, as the README's table shows it.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract:
            "List every setting: config-file key, environment variable, flag, default and meaning (a Markdown table).",
        discussion: "`serve --print-settings` shows the values a start would use and where each came from.")

    /// For the settings test: `key<TAB>type<TAB>example` per setting.
    @Flag(help: .hidden) var examples = false

    func run() throws {
        if examples {
            print(Settings.all.map { "\($0.key)\t\($0.type)\t\($0.example)\n" }.joined(), terminator: "")
        } else {
            print(SettingsTable.markdown, terminator: "")
        }
    }
}
