import Configuration

/// One setting of the catalogue (`Settings.all`): its names in the config file, the environment
/// and the flags, what it means, an example value, and how a value read from one of them enters
/// the configuration (checked, or refused with the setting, its source and the fix named). Its
/// default is not written here: it is the configuration structs' own, shown through `show`.
struct Setting {
    /// The config-file key; also the key the providers are asked for.
    let key: String
    /// Whether the config file may set it (false for a few environment-only settings).
    let inFile: Bool
    let environment: String?
    let flag: String?
    /// What it is, in errors: "the body limit".
    let title: String
    let meaning: String
    /// What the providers are asked for.
    let type: ConfigType
    let isSecret: Bool
    /// A valid value, as typed on a command line or in the environment (the settings test sets it).
    let example: String
    /// Puts a value from `source` into the configuration, or throws what is wrong with it.
    let apply: (ConfigContent, SettingSource, inout ServiceConfiguration) throws(ConfigurationFailure) -> Void
    /// Its value in a configuration, as the README table and `--print-settings` show it.
    let show: (ServiceConfiguration) -> String

    /// Its names, for messages: "body_limit_bytes, --body-limit".
    var names: String {
        ([inFile ? key : nil, environment, flag].compactMap { $0 }).joined(separator: ", ")
    }

    /// Its default: its value in a configuration nobody set.
    var defaultValue: String { show(ServiceConfiguration()) }

    /// The flag's help: the meaning and the default.
    var help: String {
        let shown = defaultValue.hasPrefix("— (") ? String(defaultValue.dropFirst(3).dropLast()) : defaultValue
        return shown == "—" ? meaning : "\(meaning) (default \(shown))"
    }

    /// A value of the right type that fails `check` or cannot be used at all.
    func refuse(_ shownValue: String, from source: SettingSource, _ problem: String) -> ConfigurationFailure {
        let fix =
            defaultValue == "—" ? "fix it or remove it" : "fix it, or remove it to use the default (\(defaultValue))"
        return ConfigurationFailure("\(title) (\(names)) from \(source) is \(shownValue): \(problem); \(fix)")
    }
}

extension Setting {
    /// The one constructor: reads a `type` value as a `Raw` (what was written), checks it, and stores
    /// it at `path` as a `Value` (a number of seconds as a `Duration`, a name as a log level).
    static func make<Raw, Value>(
        _ key: String, inFile: Bool = true, environment: String? = nil, flag: String? = nil, title: String,
        meaning: String, type: ConfigType, isSecret: Bool = false, example: String,
        _ path: WritableKeyPath<ServiceConfiguration, Value>, parse: @escaping (ConfigContent) -> Raw?,
        check: @escaping (Raw, SettingSource) -> String? = { _, _ in nil }, store: @escaping (Raw) -> Value,
        showRaw: @escaping (Raw) -> String, show: @escaping (Value) -> String
    ) -> Setting {
        var setting: Setting!
        setting = Setting(
            key: key, inFile: inFile, environment: environment, flag: flag, title: title, meaning: meaning, type: type,
            isSecret: isSecret, example: example,
            apply: { content, source, configuration throws(ConfigurationFailure) in
                guard let raw = parse(content) else {
                    throw ConfigurationFailure(
                        "\(title) (\(setting.names)) from \(source) is not \(Self.expected(type)): "
                            + "write it like \(example)"
                    )
                }
                if let problem = check(raw, source) {
                    throw isSecret ? ConfigurationFailure(problem) : setting.refuse(showRaw(raw), from: source, problem)
                }
                configuration[keyPath: path] = store(raw)
            },
            show: { show($0[keyPath: path]) })
        return setting
    }

    /// `make` where what was written is what is stored.
    static func make<Value>(
        _ key: String, inFile: Bool = true, environment: String? = nil, flag: String? = nil, title: String,
        meaning: String, type: ConfigType, isSecret: Bool = false, example: String,
        _ path: WritableKeyPath<ServiceConfiguration, Value>, parse: @escaping (ConfigContent) -> Value?,
        check: @escaping (Value, SettingSource) -> String? = { _, _ in nil }, show: @escaping (Value) -> String
    ) -> Setting {
        make(
            key, inFile: inFile, environment: environment, flag: flag, title: title, meaning: meaning, type: type,
            isSecret: isSecret, example: example, path, parse: parse, check: check, store: { $0 }, showRaw: show,
            show: show)
    }

    static func expected(_ type: ConfigType) -> String {
        switch type {
        case .int: return "a whole number"
        case .double: return "a number"
        case .bool: return "true or false"
        case .stringArray: return "a list of strings"
        default: return "a string"
        }
    }
}

/// The values the catalogue reads, out of what a provider answered.
extension ConfigContent {
    var text: String? { if case .string(let value) = self { value } else { nil } }
    var integer: Int? { if case .int(let value) = self { value } else { nil } }
    var number: Double? {
        switch self {
        case .double(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }
    var boolean: Bool? { if case .bool(let value) = self { value } else { nil } }
    var texts: [String]? { if case .stringArray(let value) = self { value } else { nil } }
}
