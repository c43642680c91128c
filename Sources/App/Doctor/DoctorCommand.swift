import ArgumentParser
import Configuration

/// `clickunlock doctor`: named checks of an installation, each passed, warned or failed, with what
/// to do under each that did not pass. Reads only: it runs beside a running `serve`.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the installation: configuration, data directory, disk, log, projections, Graph API token.",
        discussion: """
            Runs every check and prints each as ✓ (passed), ! (warning), ✗ (failed) or - (skipped), with \
            "Try fixing it" steps under each warning and failure. Reads only, so it may run beside a running serve. \
            Settings come as for serve (--config FILE, the environment, these flags); secrets are never printed. \
            Checks: configuration, data_directory, disk_space, log, projections, deliveries, content_manifest, \
            graph_token, serve. \
            Exit codes: 0 every check passed; 1 at least one failed; 2 none failed, some warned.
            """)

    @Option(help: "Config file, as for serve (JSON, or YAML for .yaml/.yml).") var config: String?
    @Option(name: settingFlag("data_dir"), help: settingHelp("data_dir")) var dataDirectory: String?
    @Option(name: settingFlag("graph_base_url"), help: settingHelp("graph_base_url")) var graphBaseURL: String?
    @Option(name: settingFlag("graph_api_version"), help: settingHelp("graph_api_version")) var graphAPIVersion: String?
    @Option(name: settingFlag("manifest"), help: settingHelp("manifest")) var manifest: String?
    @Option(name: settingFlag("api_host"), help: settingHelp("api_host")) var apiHost: String?
    @Option(name: settingFlag("api_port"), help: settingHelp("api_port")) var apiPort: Int?
    @Option(name: .customLong("min-free-disk-mb"), help: settingHelp("doctor_min_free_disk_mb"))
    var minFreeDiskMiB: Int?
    @Flag(help: "Read every batch of every segment and every index entry (default: the last segment's).")
    var full = false
    @Flag(help: "Print one JSON object: status, exit_code, checks (name, title, status, detail, remedies).")
    var json = false

    var flagValues: [String: ConfigContent] {
        var values: [String: ConfigContent] = [:]
        values["data_dir"] = dataDirectory.map(ConfigContent.string)
        values["graph_base_url"] = graphBaseURL.map(ConfigContent.string)
        values["graph_api_version"] = graphAPIVersion.map(ConfigContent.string)
        values["manifest"] = manifest.map(ConfigContent.string)
        values["api_host"] = apiHost.map(ConfigContent.string)
        values["api_port"] = apiPort.map(ConfigContent.int)
        values["doctor_min_free_disk_mb"] = minFreeDiskMiB.map(ConfigContent.int)
        return values
    }

    func run() async throws {
        let report = await checks()
        let text = json ? report.json : report.text
        writeAll(to: 1, Array(text.utf8))
        if report.exitCode != 0 { throw ExitCode(report.exitCode) }
    }

    func checks() async -> DoctorReport {
        let settings: ServiceConfiguration
        do {
            settings = try await SettingsReader(flags: flagValues, configFile: config).read()
        } catch {
            let others = [
                (DoctorStorageChecks.directoryTitle, "data_directory"), (DoctorStorageChecks.diskTitle, "disk_space"),
                (DoctorLogCheck.title, DoctorLogCheck.name),
                (DoctorProjectionChecks.projectionsTitle, "projections"),
                (DoctorProjectionChecks.deliveriesTitle, "deliveries"),
                (DoctorManifestCheck.title, DoctorManifestCheck.name), (DoctorGraphCheck.title, DoctorGraphCheck.name),
                (DoctorServeCheck.title, DoctorServeCheck.name),
            ].map { DoctorResult.skipped($0.1, $0.0, "needs the configuration") }
            return DoctorReport(checks: [DoctorConfigurationCheck.failure(error, configFile: config)] + others)
        }
        let directory =
            settings.dataDirectory.count > 1 && settings.dataDirectory.hasSuffix("/")
            ? String(settings.dataDirectory.dropLast()) : settings.dataDirectory
        let context = DoctorContext(
            dataDirectory: directory, full: full, writerRunning: fileIsLocked(directory + "/log/LOCK"))
        var results = [DoctorConfigurationCheck.check(settings)]
        let storage = DoctorStorageChecks.directory(context)
        results.append(storage)
        results.append(DoctorStorageChecks.disk(context, floorMiB: settings.doctor.minFreeDiskMiB))
        let (log, reader) = DoctorLogCheck.check(context)
        results.append(log)
        results += DoctorProjectionChecks.check(context, settings, log: reader)
        results.append(DoctorManifestCheck.check(settings))
        results.append(await DoctorGraphCheck.check(settings))
        results.append(await DoctorServeCheck.check(context, settings))
        return DoctorReport(checks: results)
    }
}
