import Adapters
import Configuration
import EventStore
import Foundation

/// Every setting, once: the config-file key, the environment variable, the flag, the meaning and
/// the check. The README's settings table is this list (`clickunlock settings` prints it, and a
/// test compares the two); the defaults are the configuration structs' own.
enum Settings {
    static var all: [Setting] {
        general + ingress + delivery + projections + dashboardAPI + feed + snapshots + simulator + doctor
            + alerts + compaction
    }

    static func named(_ key: String) -> Setting {
        guard let setting = all.first(where: { $0.key == key }) else { fatalError("no setting \(key)") }
        return setting
    }

    static var general: [Setting] {
        [
            .text(
                "data_dir", flag: "--data-dir", "the data directory", "Directory holding the event log and projections",
                example: "/var/lib/clickunlock", \.dataDirectory),
            .logLevel(\.logLevel),
        ]
    }

    static var ingress: [Setting] {
        let largestBody = WebhookIngestor.largestStorableBody(in: EventLogConfiguration())
        return [
            .text(
                "host", flag: "--host", "the webhook address", "Address the public webhook port listens on",
                example: "127.0.0.1", \.ingress.host),
            .integer(
                "webhook_port", flag: "--webhook-port", "the webhook port", "Public webhook port (0 picks a free one)",
                range: 0...65535, example: 3001, \.ingress.port),
            .secret(
                .appSecret, "Key of every webhook signature check (required)", example: "example-app-secret-1234",
                \.ingress.appSecret),
            .secret(
                .verifyToken, "Token Meta presents in the GET handshake", example: "example-verify-token",
                \.ingress.routes.verifyToken),
            .list(
                "authorized_contacts", environment: "CLICKUNLOCK_AUTHORIZED_CONTACTS", flag: "--authorized-contact",
                "the authorized contacts", "wa_ids or BSUIDs allowed to unlock content (a repeatable flag)",
                unset: "— (everyone)", example: "15551234567", \.ingress.authorizedContactList),
            .integer(
                "body_limit_bytes", flag: "--body-limit", "the body limit", "Largest webhook body, in bytes",
                range: 1...largestBody, unit: " bytes", example: 2_097_152, \.ingress.routes.bodyLimit,
                why: ", the largest webhook body the event log stores as one event"),
            .duration(
                "idle_timeout_seconds", flag: "--idle-timeout", "the idle timeout",
                "Seconds before the webhook port closes a connection idle or with headers unfinished",
                unit: .seconds(1), unitName: "s", range: 1...3600, example: 10, \.ingress.limits.idleTimeout),
            .duration(
                "body_timeout_seconds", flag: "--body-timeout", "the body timeout",
                "Seconds a webhook body may take after its headers; slower ones are cut, nothing stored",
                unit: .seconds(1), unitName: "s", range: 1...3600, example: 25, \.ingress.limits.bodyTimeout),
            .integer(
                "max_connections", flag: "--max-connections", "the connection limit",
                "Connections open at once on the webhook port; past it new ones wait to be accepted",
                range: 1...100_000, example: 256, \.ingress.limits.maxConnections),
            .duration(
                "dedupe_window_days", flag: "--dedupe-window-days", "the dedupe window",
                "Days a message id (or status) counts as already stored; also the saga's memory",
                unit: .seconds(24 * 3600), unitName: "days", range: 1...365, example: 9, \.ingress.dedupeWindow),
        ]
    }

    static var delivery: [Setting] {
        [
            .secret(
                .accessToken, "Graph API bearer token; with a phone number id it turns delivery on",
                example: "example-access-token", \.delivery.accessToken),
            .list(
                "phone_number_ids", environment: "WHATSAPP_PHONE_NUMBER_ID", flag: nil, "the phone number ids",
                "Business numbers to send from (the first is the default)", unset: "—", example: "106540352242922",
                \.delivery.phoneNumberIds),
            .text(
                "graph_base_url", environment: "CLICKUNLOCK_GRAPH_BASE_URL", flag: "--graph-base-url",
                "the Graph base URL", "Graph API base URL: https, or http to a loopback address (the simulator)",
                example: "http://127.0.0.1:3100", \.delivery.graphBaseURL, check: GraphBaseURL.problem),
            .text(
                "graph_api_version", flag: "--graph-api-version", "the Graph API version", "Graph API version",
                example: "v24.0", \.delivery.graphAPIVersion),
            .optionalText(
                "manifest", flag: "--manifest", "the content manifest", "Content manifest, YAML or JSON",
                unset: "DATA_DIR/content.yaml", example: "/etc/clickunlock/content.yaml", \.delivery.manifestPath),
            .number(
                "messages_per_second", flag: "--messages-per-second", "the send rate",
                "Send rate limit per business number (0 lifts the saga's; template sends then use the default)",
                range: 0...100_000, example: "40", \.delivery.saga.messagesPerSecond),
            .boolean(
                "strict_order", flag: "--strict-order", "strict order",
                "Send each content message only after the previous one is delivered (the flag sets true)",
                example: true, \.delivery.saga.strictOrder),
            .duration(
                "reconcile_wait_ms", flag: "--reconcile-wait-ms", "the reconcile wait",
                "Milliseconds to wait for status webhooks before resending a message whose outcome is unknown",
                unit: .milliseconds(1), unitName: "ms", range: 0...86_400_000, example: 4000,
                \.delivery.saga.reconcileWait),
            .duration(
                "confirmation_wait_ms", flag: "--confirmation-wait-ms", "the confirmation wait",
                "Milliseconds a delivery waits for its messages' `delivered` statuses (0 completes on acceptance)",
                unit: .milliseconds(1), unitName: "ms", range: 0...86_400_000, example: 500,
                \.delivery.saga.confirmationWait),
            .boolean(
                "once_per_contact_and_pack", flag: "--allow-repeat-delivery", "once per contact and pack",
                "A second tap for a pack already delivered to the contact starts nothing (the flag sets false)",
                example: false, \.delivery.saga.oncePerContactAndPack),
        ]
    }

    static var projections: [Setting] {
        [
            .integer(
                "projections_yield_above", flag: "--projections-yield-above", "the projections' yield threshold",
                "While the log grows faster than this many events/s, projections wait for the burst to pass (0: never)",
                range: 0...Int.max, example: 500, \.projections.yieldAboveEventsPerSecond),
            .duration(
                "projections_max_yield_seconds", flag: "--projections-max-yield", "the projections' longest wait",
                "The longest projections wait out a burst, in seconds behind the log", unit: .seconds(1),
                unitName: "s", range: 1...3600, example: 7, \.projections.maxYield),
            .integer(
                "recent_events", flag: "--recent-events", "the recent events kept",
                "How many events `/api/webhook/events/recent` keeps, and so how far back the live feed resumes",
                range: 1...1_000_000, example: 5000, \.projections.recentEvents),
            .text(
                "reporting_time_zone", flag: "--reporting-time-zone", "the reporting time zone",
                "Time zone (IANA name) of the metrics' and template funnel's days beside UTC (`?tz=` of the "
                    + "dashboard API); `rebuild` keeps the one the projections were built with",
                example: "America/Sao_Paulo", \.projections.reportingTimeZone,
                check: { zone in
                    TimeZone(identifier: zone) == nil
                        ? "'\(zone)' is not a time zone: give an IANA name such as America/Sao_Paulo or UTC" : nil
                }),
        ]
    }

    static var dashboardAPI: [Setting] {
        [
            .text(
                "api_host", flag: "--api-host", "the dashboard API address", "Dashboard API address",
                example: "127.0.0.2", \.dashboardAPI.host),
            .integer(
                "api_port", flag: "--api-port", "the dashboard API port",
                "Dashboard API port (0 picks a free one); it listens only with a dashboard token or `--dashboard-open`",
                range: 0...65535, example: 3003, \.dashboardAPI.port),
            .secret(
                .dashboardToken, "Bearer token of the dashboard API (and of `send-template --server`)",
                example: "example-dashboard-token", \.dashboardAPI.token),
            .boolean(
                "dashboard_open", flag: "--dashboard-open", "the open dashboard API",
                "Serve the dashboard API's reads without a token: loopback `api_host` only, logged as a warning "
                    + "(the flag sets true)",
                example: true, \.dashboardAPI.open),
            .list(
                "cors_origins", environment: "CLICKUNLOCK_CORS_ORIGINS", flag: "--cors-origin", "the CORS origins",
                "Origins (`scheme://host[:port]`) whose web pages may read the dashboard API (a repeatable flag)",
                unset: "— (none)", example: "https://dashboard.example.com", \.dashboardAPI.corsOrigins,
                check: { origins in
                    do {
                        _ = try CORSPolicy(origins: origins)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }),
        ]
    }

    static var snapshots: [Setting] {
        [
            .integer(
                "snapshot_every_events", flag: nil, "the snapshot interval in events",
                "Events logged between two snapshots of the saga and the dedupe index (`DATA/snapshots/`)",
                range: 1000...100_000_000, example: 100_000, \.snapshots.everyEvents),
            .duration(
                "snapshot_every_minutes", flag: nil, "the snapshot interval in minutes",
                "Minutes after which a snapshot is written anyway, if any event was logged since the last",
                unit: .seconds(60), unitName: "minutes", range: 1...1440, example: 10, \.snapshots.every),
            .integer(
                "snapshots_kept", flag: nil, "the snapshots kept",
                "Snapshots kept of each kind; a corrupt newest one falls back to an older one",
                range: 1...100, example: 3, \.snapshots.keep),
        ]
    }

    static var feed: [Setting] {
        [
            .integer(
                "ws_port", flag: "--ws-port", "the live feed port",
                "The live feed's WebSocket port, on `api_host` (0 picks a free one); also at `/api/webhook/ws` "
                    + "on the dashboard port",
                range: 0...65535, example: 3005, \.feed.port),
            .integer(
                "feed_max_clients", flag: "--feed-max-clients", "the live feed's client limit",
                "Live feed clients at once (WebSocket and event stream); past it new ones get 503",
                range: 1...1_000_000, example: 2000, \.feed.hub.maxClients),
            .integer(
                "feed_queue_frames", flag: "--feed-queue-frames", "a feed client's queue in frames",
                "Frames waiting for one feed client; past it the client is closed (4008) and resumes",
                range: 1...1_000_000, example: 4096, \.feed.hub.queueFrames),
            .integer(
                "feed_queue_bytes", flag: "--feed-queue-bytes", "a feed client's queue in bytes",
                "Bytes waiting for one feed client; past it the client is closed (4008) and resumes",
                range: 1024...1_073_741_824, unit: " bytes", example: 4_194_304, \.feed.hub.queueBytes),
            .duration(
                "feed_heartbeat_seconds", flag: "--feed-heartbeat", "the feed's heartbeat",
                "Seconds between the feed's `heartbeat` frames", unit: .seconds(1), unitName: "s", range: 1...3600,
                example: 30, \.feed.hub.heartbeat),
            .duration(
                "feed_ping_timeout_seconds", flag: "--feed-ping-timeout", "the feed's ping timeout",
                "Seconds a WebSocket client may leave pings unanswered before it is closed (pings go at half that)",
                unit: .seconds(1), unitName: "s", range: 2...3600, example: 60, \.feed.hub.pingTimeout),
        ]
    }

    static var doctor: [Setting] {
        [
            .integer(
                "doctor_min_free_disk_mb", flag: nil, "the doctor's disk floor",
                "`doctor` (its `--min-free-disk-mb`): MiB free on the data directory's disk under which its disk "
                    + "check fails (under 10% warns)",
                range: 0...Int.max, unit: " MiB", example: 2048, \.doctor.minFreeDiskMiB)
        ]
    }

    static var compaction: [Setting] {
        [
            .boolean(
                "log_compaction", flag: nil, "log compaction",
                "Rewrite sealed log segments in the background into large compressed batches (same events, smaller)",
                example: true, \.compaction.service.enabled),
            .integer(
                "log_compaction_cpu_percent", flag: nil, "log compaction's CPU share",
                "Percent of one core the background compaction may use (it sleeps the rest)",
                range: 1...100, example: 25, \.compaction.service.cpuPercent),
            .choice(
                "log_compaction_codec", "log compaction's codec",
                "Compression of the rewritten batches: `zstd` (smaller) or `lz4hc` (faster to write and read)",
                example: "lz4hc", \.compaction.service.options.codec),
            .integer(
                "log_compaction_zstd_level", flag: nil, "log compaction's zstd level",
                "Zstandard level of the rewritten batches (higher: smaller, more CPU; lz4hc always uses 12)",
                range: CompactionCodec.zstd.levels, example: 15, \.compaction.zstdLevel),
        ]
    }

    static var simulator: [Setting] {
        [
            .make(
                "graph_sim_access_token", inFile: false, environment: "GRAPH_SIM_ACCESS_TOKEN",
                title: "the simulator's token",
                meaning: "`graph-sim`: the bearer token it expects (else the access token)",
                type: .string, isSecret: true, example: "example-sim-token", \.simulatorAccessToken,
                parse: { $0.text.map { Optional($0) } },
                show: { $0 == nil ? "—" : "<REDACTED>" })
        ]
    }
}

extension IngressConfiguration {
    /// The authorized contacts as the catalogue writes them (a list).
    var authorizedContactList: [String] {
        get { authorizedContacts.sorted() }
        set { authorizedContacts = Set(newValue) }
    }
}
