import Adapters
import Delivery
import Logging

/// Everything `serve` runs with, one part per component, each part owning its defaults: the
/// ingress's in Adapters (`IngressConfiguration`), the saga's in Delivery (`SagaSettings`), the
/// projector's in Projections. `SettingsReader` fills it from the config file < the environment
/// < flags, as the catalogue (`Settings.all`) says; `demo`, `send-template` and `graph-sim` read it too.
struct ServiceConfiguration {
    var dataDirectory = "./data"
    var logLevel: Logger.Level = .info
    var ingress = IngressConfiguration()
    var delivery = DeliveryConfiguration()
    var projections = ProjectionsConfiguration()
    var dashboardAPI = DashboardAPI.Configuration()
    var feed = FeedConfiguration()
    var doctor = DoctorConfiguration()
    var alerts = AlertSettings()
    var snapshots = SnapshotConfiguration()
    var compaction = CompactionConfiguration()

    /// The live feed's hub: its settings, and the window the recent-events projection keeps.
    var feedHub: FeedHub.Configuration {
        var hub = feed.hub
        hub.windowSize = projections.recentEvents
        return hub
    }
    /// The token `graph-sim` expects (else the access token).
    var simulatorAccessToken: String?
    /// Where each setting that was set came from, by key (for messages; never a value).
    var sources: [String: SettingSource] = [:]

    var resolvedManifestPath: String { delivery.manifestPath ?? dataDirectory + "/content.yaml" }

    /// A logger at the configured level.
    func logger(label: String = "clickunlock") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = logLevel
        return logger
    }
}
