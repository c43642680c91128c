import Foundation
import Testing

/// The README's settings table and the binary agree, both ways: the table is the binary's
/// catalogue row for row, and every name in it (config-file key, environment variable, flag) is
/// one that `serve` actually reads. A setting the README promises but the binary ignores fails
/// here (as LOG_LEVEL once did), and so does one the binary reads but the README does not list.
@Suite struct SettingsTableTests {
    struct Row {
        var key: String?
        var environment: String?
        var flag: String?
        var text: String

        init(_ line: String) {
            text = line
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            func name(_ index: Int) -> String? {
                guard cells.count > index, cells[index].hasPrefix("`") else { return nil }
                return cells[index].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }
            (key, environment, flag) = (name(0), name(1), name(2))
        }
    }

    /// The table's rows between `<!-- settings-table -->` and `<!-- /settings-table -->`.
    static func readmeRows() throws -> [Row] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md")
        let text = try String(contentsOf: path, encoding: .utf8)
        let start = try #require(text.range(of: "<!-- settings-table -->"), "README has no settings table")
        let end = try #require(text.range(of: "<!-- /settings-table -->"))
        return rows(String(text[start.upperBound..<end.lowerBound]))
    }

    static func rows(_ table: String) -> [Row] {
        table.split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("| ") && !$0.hasPrefix("| key ") && !$0.hasPrefix("| ---") }.map(Row.init)
    }

    /// `key → (type, example)` from the binary's catalogue.
    static func examples() throws -> [String: (type: String, example: String)] {
        let result = try CLI.run(["settings", "--examples"])
        #expect(result.status == 0)
        var examples: [String: (String, String)] = [:]
        for line in result.lines {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 { examples[parts[0]] = (parts[1], parts[2]) }
        }
        return examples
    }

    /// `serve --print-settings`: `key → (value, source)`.
    static func effective(_ arguments: [String], environment: [String: String] = [:]) throws -> [String: (
        String, String
    )] {
        let result = try CLI.run(["serve", "--print-settings"] + arguments, environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        var settings: [String: (String, String)] = [:]
        for line in result.lines {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3 { settings[parts[0]] = (parts[1], parts[2]) }
        }
        return settings
    }

    @Test func theREADMETableIsTheBinarysCatalogue() throws {
        let printed = try CLI.run(["settings"])
        #expect(printed.status == 0)
        let code = Self.rows(printed.stdout).map(\.text)
        let readme = try Self.readmeRows().map(\.text)
        #expect(code.count > 20)
        for row in code where !readme.contains(row) {
            Issue.record("the README's settings table lacks this row (or has it differently): \(row)")
        }
        for row in readme where !code.contains(row) {
            Issue.record("the README's settings table has a row the binary does not know: \(row)")
        }
    }

    /// Every name in the README table, set to an example value: `serve` reports it in force, from there.
    @Test func everyNameInTheTableIsRead() throws {
        let rows = try Self.readmeRows()
        let examples = try Self.examples()
        let data = TempDataDirectory()
        var file: [String: Any] = [:]
        var environment: [String: String] = [:]
        var flags: [String] = []
        for row in rows {
            let (type, value) = try #require(examples[Self.key(of: row)], "no example for \(row.text)")
            if let key = row.key {
                switch type {
                case "int": file[key] = Int(value)
                case "double": file[key] = Double(value)
                case "bool": file[key] = value == "true"
                case "stringArray": file[key] = [value]
                default: file[key] = value
                }
            }
            if let name = row.environment { environment[name] = value }
            if let flag = row.flag { flags += type == "bool" ? [flag] : [flag, value] }
        }
        let path = data.path + "/config.json"
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: path))
        let fromFile = try Self.effective(["--config", path])
        let fromEnvironment = try Self.effective([], environment: environment)
        let fromFlags = try Self.effective(flags)
        for row in rows {
            let key = Self.key(of: row)
            let example = try #require(examples[key])
            if let fileKey = row.key {
                #expect(
                    fromFile[key]?.1 == "the config file \(path) (key \(fileKey))",
                    "\(fileKey): \(String(describing: fromFile[key]))")
                Self.expectValue(fromFile[key]?.0, example, key)
            }
            if let name = row.environment {
                #expect(
                    fromEnvironment[key]?.1 == "the environment variable \(name)",
                    "\(name): \(String(describing: fromEnvironment[key]))")
                Self.expectValue(fromEnvironment[key]?.0, example, key)
            }
            if let flag = row.flag {
                #expect(fromFlags[key]?.1 == "the flag \(flag)", "\(flag): \(String(describing: fromFlags[key]))")
                if example.type != "bool" { Self.expectValue(fromFlags[key]?.0, example, key) }
            }
        }
        // Everything at once, with swift-configuration's access log on: secrets redacted there too.
        let accessLog = data.path + "/access.log"
        let everything = try CLI.run(
            ["serve", "--print-settings", "--config", path],
            environment: environment.merging(["CONFIG_ACCESS_LOG_FILE": accessLog]) { $1 })
        let accesses = try String(contentsOfFile: accessLog, encoding: .utf8)
        #expect(accesses.contains("app_secret"))
        for (_, example) in examples where example.type == "string" && example.example.hasPrefix("example-") {
            #expect(!everything.stdout.contains(example.example), "a secret is never printed")
            #expect(!accesses.contains(example.example), "nor written to the access log")
        }
    }

    /// A YAML config file works like a JSON one.
    @Test func aYAMLConfigFileIsReadToo() throws {
        let data = TempDataDirectory()
        let path = data.path + "/config.yaml"
        try Data("webhook_port: 3005\nphone_number_ids:\n  - \"106540352242922\"\nstrict_order: true\n".utf8)
            .write(to: URL(fileURLWithPath: path))
        let settings = try Self.effective(["--config", path])
        #expect(settings["webhook_port"]?.0 == "3005")
        #expect(settings["webhook_port"]?.1 == "the config file \(path) (key webhook_port)")
        #expect(settings["phone_number_ids"]?.0 == "106540352242922")
        #expect(settings["strict_order"]?.0 == "true")
        #expect(settings["host"]?.1 == "default")
    }

    /// LOG_LEVEL is read and applied: debug lines appear with it and not without; a bad level is
    /// refused naming the variable (exit 78).
    @Test func logLevelSetsTheLoggersLevel() throws {
        let data = TempDataDirectory()
        let arguments = ["serve", "--data-dir", data.path, "--webhook-port", "0"]
        let debug = try CLI.run(arguments, environment: ["LOG_LEVEL": "debug"])
        #expect(debug.status == 78, "no app secret")
        #expect(debug.stderr.contains("settings read:"), "\(debug.stderr)")
        let info = try CLI.run(arguments, environment: [:])
        #expect(!info.stderr.contains("settings read:"))
        let flag = try CLI.run(arguments + ["--log-level", "debug"], environment: ["LOG_LEVEL": "error"])
        #expect(flag.stderr.contains("settings read:"), "the flag overrides the environment")
        let bad = try CLI.run(arguments, environment: ["LOG_LEVEL": "loud"])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("the environment variable LOG_LEVEL"), "\(bad.stderr)")
        #expect(bad.stderr.contains("debug, info"))
    }

    /// A bad value names the setting, where it came from, and the fix.
    @Test func aBadValueNamesTheSettingItsSourceAndTheFix() throws {
        let data = TempDataDirectory()
        let path = data.path + "/config.json"
        try Data("{\"max_connections\": 0}".utf8).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["serve", "--config", path], environment: [:])
        #expect(result.status == 78)
        #expect(result.stderr.contains("the connection limit (max_connections, --max-connections)"), "\(result.stderr)")
        #expect(result.stderr.contains("from the config file \(path) (key max_connections) is 0"))
        #expect(result.stderr.contains("it must be 1 to 100000"))
        #expect(result.stderr.contains("remove it to use the default (512)"))
    }

    /// The catalogue key of a row: its config-file key, or for an environment-only setting its variable in lower case.
    static func key(of row: Row) -> String {
        row.key ?? row.environment.map { $0.lowercased() } ?? ""
    }

    static func expectValue(_ shown: String?, _ example: (type: String, example: String), _ key: String) {
        let secret = example.type == "string" && example.example.hasPrefix("example-")
        #expect(shown == (secret ? "<REDACTED>" : example.example), "\(key)")
    }
}
