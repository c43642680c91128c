import Configuration
import Logging

/// The kinds of settings the catalogue is made of, each a `Setting.make` with its parsing and check.
extension Setting {
    typealias Path<Value> = WritableKeyPath<ServiceConfiguration, Value>

    static func text(
        _ key: String, environment: String? = nil, flag: String? = nil, _ title: String, _ meaning: String,
        example: String, _ path: Path<String>, check: @escaping (String) -> String? = { _ in nil }
    ) -> Setting {
        make(
            key, environment: environment, flag: flag, title: title, meaning: meaning, type: .string, example: example,
            path, parse: \.text, check: { value, _ in check(value) }, show: { $0 })
    }

    /// A text that may be unset; `unset` says what that means in the table ("DATA_DIR/content.yaml").
    static func optionalText(
        _ key: String, flag: String? = nil, _ title: String, _ meaning: String, unset: String, example: String,
        _ path: Path<String?>
    ) -> Setting {
        make(
            key, flag: flag, title: title, meaning: meaning, type: .string, example: example, path,
            parse: { $0.text.map { Optional($0) } }, show: { $0 ?? unset })
    }

    /// A secret: never shown, checked by `SecretSetting`'s rule. Not a flag (flags show in `ps`).
    static func secret(
        _ secret: SecretSetting, _ meaning: String, inFile: Bool = true, example: String, _ path: Path<String?>
    ) -> Setting {
        make(
            secret.rawValue, inFile: inFile, environment: secret.environmentName, title: secret.title,
            meaning: meaning, type: .string, isSecret: true, example: example, path,
            parse: { $0.text.map { Optional($0) } },
            check: { value, source in value.flatMap { secret.problem(with: $0, from: source.description) } },
            show: { $0 == nil ? "—" : "<REDACTED>" })
    }

    static func integer(
        _ key: String, flag: String?, _ title: String, _ meaning: String, range: ClosedRange<Int>, unit: String = "",
        example: Int, _ path: Path<Int>, why: String = ""
    ) -> Setting {
        make(
            key, flag: flag, title: title, meaning: meaning, type: .int, example: String(example), path,
            parse: \.integer, check: { value, _ in range.contains(value) ? nil : Self.rangeProblem(range, unit) + why },
            store: { $0 }, showRaw: { "\($0)\(unit)" }, show: { "\($0)" })
    }

    /// A duration written in whole `unit`s (seconds, days: the key says which), kept as a `Duration`.
    static func duration(
        _ key: String, flag: String?, _ title: String, _ meaning: String, unit: Duration, unitName: String,
        range: ClosedRange<Int>, example: Int, _ path: Path<Duration>
    ) -> Setting {
        make(
            key, flag: flag, title: title, meaning: meaning, type: .int, example: String(example), path,
            parse: \.integer,
            check: { value, _ in range.contains(value) ? nil : Self.rangeProblem(range, " " + unitName) },
            store: { unit * $0 }, showRaw: { "\($0) \(unitName)" }, show: { "\(Int($0 / unit))" })
    }

    static func number(
        _ key: String, flag: String?, _ title: String, _ meaning: String, range: ClosedRange<Double>, example: String,
        _ path: Path<Double>
    ) -> Setting {
        make(
            key, flag: flag, title: title, meaning: meaning, type: .double, example: example, path, parse: \.number,
            check: { value, _ in
                range.contains(value)
                    ? nil : "it must be \(Self.plain(range.lowerBound)) to \(Self.plain(range.upperBound))"
            },
            show: { Self.plain($0) })
    }

    /// A switch; its flag (if any) sets it one way (`--strict-order` true, `--allow-repeat-delivery` false).
    static func boolean(
        _ key: String, flag: String?, _ title: String, _ meaning: String, example: Bool, _ path: Path<Bool>
    ) -> Setting {
        make(
            key, flag: flag, title: title, meaning: meaning, type: .bool, example: String(example), path,
            parse: \.boolean, show: { "\($0)" })
    }

    /// A list: an array in the file; in the environment separated by commas, spaces or line breaks;
    /// a repeated flag.
    static func list(
        _ key: String, environment: String?, flag: String?, _ title: String, _ meaning: String, unset: String,
        example: String, _ path: Path<[String]>, check: @escaping ([String]) -> String? = { _ in nil }
    ) -> Setting {
        make(
            key, environment: environment, flag: flag, title: title, meaning: meaning, type: .stringArray,
            example: example, path, parse: { $0.texts.map { $0.flatMap(Self.split) } },
            check: { value, _ in check(value) }, show: { $0.isEmpty ? unset : $0.joined(separator: ",") })
    }

    /// One of the cases of `Value`, written as its name.
    static func choice<Value: RawRepresentable & CaseIterable>(
        _ key: String, _ title: String, _ meaning: String, example: String, _ path: Path<Value>
    ) -> Setting where Value.RawValue == String {
        let names = Value.allCases.map(\.rawValue).joined(separator: ", ")
        return make(
            key, title: title, meaning: meaning, type: .string, example: example, path, parse: \.text,
            check: { text, _ in Value(rawValue: text) == nil ? "it must be one of \(names)" : nil },
            store: { Value(rawValue: $0)! }, showRaw: { $0 }, show: { $0.rawValue })
    }

    static func logLevel(_ path: Path<Logger.Level>) -> Setting {
        let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        return make(
            "log_level", environment: "LOG_LEVEL", flag: "--log-level", title: "the log level",
            meaning: "The least severe log lines written to stderr: \(levels) (`debug` adds a line per stored webhook)",
            type: .string, example: "debug", path, parse: \.text,
            check: { text, _ in Logger.Level(rawValue: text.lowercased()) == nil ? "it must be one of \(levels)" : nil
            },
            store: { Logger.Level(rawValue: $0.lowercased()) ?? .info }, showRaw: { $0 }, show: { $0.rawValue })
    }

    /// Splits one entry of a list the way lists are written in the environment.
    static func split(_ text: String) -> [String] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" || $0 == " " }).map(String.init)
    }

    static func rangeProblem(_ range: ClosedRange<Int>, _ unit: String) -> String {
        "it must be \(range.lowerBound) to \(range.upperBound)\(unit)"
    }

    /// 80.0 as 80, 0.5 as 0.5.
    static func plain(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
