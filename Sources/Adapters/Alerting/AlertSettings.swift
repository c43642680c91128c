/// The service's own alerting: thresholds of its rules, how often they are evaluated, and where
/// changes are posted. Defaults are meant for production; every one is a setting (`AlertConfiguration`).
public struct AlertSettings: Sendable, Equatable {
    /// How often the rules are evaluated.
    public var evaluationInterval: Duration = .seconds(5)
    /// The window of the rate rules (delivery failures, error surges, signature failures), minutes.
    public var rateWindowMinutes = 5
    /// `ClickUnlockDeliveryFailureRateHigh`: failed / finished deliveries in the window above this…
    public var deliveryFailureRatio = 0.2
    /// …once at least this many deliveries finished in the window.
    public var deliveryFailureMinimum = 5
    /// `ClickUnlockGraphTokenInvalid`: a 190 within these minutes, with no successful call since.
    public var tokenErrorMinutes = 15
    /// `ClickUnlockGraphErrorSurge`: this many answers of one of 131047/130429/131056 in the window.
    public var graphErrorSurge = 10
    /// `ClickUnlockWebhookSignatureFailures`: this many signature failures in the window.
    public var signatureFailures = 10
    /// `ClickUnlockProjectionLagHigh`: the oldest unapplied event older than this, seconds.
    public var projectionLagSeconds = 60
    /// `ClickUnlockDiskFreeLow`: free space of the data directory's file system below this, percent.
    public var diskFreePercent = 10.0
    /// `ClickUnlockWebhooksSilent`: a template accepted this many minutes ago and no webhook since.
    public var webhookSilenceMinutes = 15
    /// Alertmanager-compatible receivers (`--alert-webhook`, repeatable).
    public var webhooks: [String] = []
    /// Where the runbooks are: each alert's `runbook_url` is this plus `#` plus its anchor.
    public var runbookBase = "docs/operations.md"
    /// The payload's `externalURL` (the dashboard's address, say); empty leaves it empty.
    public var externalURL = ""
    /// Notifications waiting per receiver; past it the oldest are dropped (and counted).
    public var queueLimit = 256
    /// Attempts per notification, and the backoff between them (doubling up to `maxBackoff`).
    public var maxAttempts = 10
    public var initialBackoff: Duration = .milliseconds(500)
    public var maxBackoff: Duration = .seconds(60)
    /// One attempt's time limit.
    public var postTimeout: Duration = .seconds(10)

    public init() {}
}
