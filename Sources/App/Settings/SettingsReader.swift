import Configuration
import Foundation
import Synchronization

/// Reads the catalogue's settings into a `ServiceConfiguration`, in one place for every command:
/// swift-configuration's providers, highest precedence first (flags, then the environment, then
/// the config file, JSON or YAML), under one `ConfigReader`. Secrets are read as secrets (redacted
/// in what the library reports) and never printed. Each value is checked where it is read, and
/// a bad one is refused naming the setting, where it came from and the fix.
struct SettingsReader {
    /// The values given as flags, by key (only the flags that were given).
    var flags: [String: ConfigContent] = [:]
    var environment: [String: String] = ProcessInfo.processInfo.environment
    var configFile: String?
    /// Values a command sets itself (the demo), above everything else.
    var command: (name: String, values: [String: ConfigContent])?

    /// The configuration: the structs' defaults, overridden by what is set.
    func read() async throws(ConfigurationFailure) -> ServiceConfiguration {
        let file = try await fileProvider()
        var providers: [(provider: any ConfigProvider, source: (Setting) -> SettingSource)] = []
        if let command {
            providers.append((Self.memory(command.name, command.values), { _ in .command(command.name) }))
        }
        providers.append((Self.memory("flags", flags), { .flag($0.flag ?? $0.key) }))
        providers.append((environmentProvider(), { .environment($0.environment ?? $0.key) }))
        if let file, let configFile {
            providers.append((file, { .file(path: configFile, key: $0.key) }))
        }
        let recorder = AccessRecorder()
        let reader = ConfigReader(providers: providers.map(\.provider), accessReporter: recorder)
        var configuration = ServiceConfiguration()
        for setting in Settings.all {
            let key = ConfigKey([setting.key])
            switch setting.type {
            case .int: _ = reader.int(forKey: key, isSecret: setting.isSecret)
            case .double: _ = reader.double(forKey: key, isSecret: setting.isSecret)
            case .bool: _ = reader.bool(forKey: key, isSecret: setting.isSecret)
            case .stringArray: _ = reader.stringArray(forKey: key, isSecret: setting.isSecret)
            default: _ = reader.string(forKey: key, isSecret: setting.isSecret)
            }
            // The first provider that answered (or failed) is the one in force.
            guard let event = recorder.last, event.metadata.key.components == [setting.key],
                let index = event.providerResults.firstIndex(where: \.answered)
            else { continue }
            let source = providers[index].source(setting)
            guard let value = try? event.providerResults[index].result.get().value else {
                throw ConfigurationFailure(
                    "\(setting.title) (\(setting.names)) from \(source) is not \(Setting.expected(setting.type)): "
                        + "write it like \(setting.example)")
            }
            try setting.apply(value.content, source, &configuration)
            configuration.sources[setting.key] = source
        }
        return configuration
    }

    private static func memory(_ name: String, _ values: [String: ConfigContent]) -> InMemoryProvider {
        InMemoryProvider(
            name: name,
            values: Dictionary(
                uniqueKeysWithValues: values.map {
                    (AbsoluteConfigKey([$0.key]), ConfigValue($0.value, isSecret: false))
                }))
    }

    /// The catalogue's variables only, each under its setting's key. An empty variable counts as
    /// unset, except a secret's: set but empty, it stops the start rather than leave another in force.
    private func environmentProvider() -> some ConfigProvider {
        var names: [String: String] = [:]
        var values: [String: String] = [:]
        var secrets: Set<String> = []
        for setting in Settings.all {
            guard let name = setting.environment, let value = environment[name] else { continue }
            if value.isEmpty && !setting.isSecret { continue }
            names[setting.key] = name
            values[name] = value
            if setting.isSecret { secrets.insert(name) }
        }
        let mapped = names
        return KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(environmentVariables: values, secretsSpecifier: .specific(secrets)),
            keyMapper: { key in AbsoluteConfigKey([mapped[key.components.joined(separator: ".")] ?? "-"]) })
    }

    /// The config file's provider: JSON, or YAML for `.yaml`/`.yml`; keys a file may not set are hidden.
    private func fileProvider() async throws(ConfigurationFailure) -> (any ConfigProvider)? {
        guard let configFile else { return nil }
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: configFile))
        } catch {
            throw ConfigurationFailure(
                "cannot read the config file \(configFile): \(error.localizedDescription); "
                    + "check the path given to --config"
            )
        }
        let yaml = configFile.hasSuffix(".yaml") || configFile.hasSuffix(".yml")
        let secrets = Set(Settings.all.filter(\.isSecret).map(\.key))
        let fileKeys = Set(Settings.all.filter(\.inFile).map(\.key))
        // The provider reads the file again; the check above tells "cannot read" from "not valid".
        let location = ConfigReader(
            provider: InMemoryProvider(values: ["filePath": .init(.string(configFile), isSecret: false)]))
        do {
            if yaml {
                let options = YAMLSnapshot.ParsingOptions(secretsSpecifier: .specific(secrets))
                return Self.hiding(
                    fileKeys, try await FileProvider<YAMLSnapshot>(parsingOptions: options, config: location))
            }
            let options = JSONSnapshot.ParsingOptions(secretsSpecifier: .specific(secrets))
            return Self.hiding(
                fileKeys, try await FileProvider<JSONSnapshot>(parsingOptions: options, config: location))
        } catch {
            // Only the first line of the parser's reason: YAML's next lines quote the file, secrets included.
            let reason = "\(error)".split(separator: "\n").first.map(String.init) ?? ""
            throw ConfigurationFailure(
                "config file \(configFile) is not valid \(yaml ? "YAML" : "JSON"): \(reason); "
                    + "fix it (one \(yaml ? "mapping" : "object") of the keys `clickunlock settings` lists)")
        }
    }

    /// `provider` answering only `keys` (the environment-only settings are not read from the file).
    private static func hiding(_ keys: Set<String>, _ provider: some ConfigProvider) -> any ConfigProvider {
        KeyMappingProvider(upstream: provider) { key in
            keys.contains(key.components.joined(separator: ".")) ? key : AbsoluteConfigKey(["-", "-"])
        }
    }
}

extension AccessEvent.ProviderResult {
    /// It had a value for the key, or failed to read one (a wrong type).
    var answered: Bool {
        switch result {
        case .failure: return true
        case .success(let lookup): return lookup.value != nil
        }
    }
}

/// Keeps the last access the reader reported: which provider answered, or failed.
private final class AccessRecorder: AccessReporter {
    private let event = Mutex<AccessEvent?>(nil)

    var last: AccessEvent? { event.withLock { $0 } }

    func report(_ event: AccessEvent) { self.event.withLock { $0 = event } }
}
