/// Where a setting's value came from, as errors and `serve --print-settings` name it (never the value).
enum SettingSource: Equatable, CustomStringConvertible {
    case file(path: String, key: String)
    case environment(String)
    case flag(String)
    /// Set by the command itself (the demo makes up its own secrets and ports).
    case command(String)

    var description: String {
        switch self {
        case .file(let path, let key): return "the config file \(path) (key \(key))"
        case .environment(let name): return "the environment variable \(name)"
        case .flag(let name): return "the flag \(name)"
        case .command(let name): return "`clickunlock \(name)` itself"
        }
    }
}

/// A setting that cannot be used, or a config file that cannot be read: the message names the
/// setting, where it came from and how to fix it (never a secret's value). Exit 78.
struct ConfigurationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
