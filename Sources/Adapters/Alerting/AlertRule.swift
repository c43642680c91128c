import Foundation

/// One rule of the service's own alerting: its name (the `alertname` label), severity, runbook
/// anchor in `docs/operations.md`, and its condition. A condition yields one `AlertCondition` per
/// alert that holds now (one per `code` for the error surge; at most one for the others).
struct AlertRule: Sendable {
    enum Severity: String, Sendable {
        case critical, warning
    }

    let name: String
    let severity: Severity
    /// The heading's anchor in `docs/operations.md` (`#<anchor>`): the alert name in lower case.
    var anchor: String { name.lowercased() }
    let evaluate: @Sendable (AlertInputs, AlertWindow, AlertSettings) -> [AlertCondition]
}

/// An alert whose condition holds: its labels beyond `alertname` and `severity`, and a line a
/// person reads (figures of now).
struct AlertCondition: Sendable, Equatable {
    var labels: [String: String] = [:]
    var summary: String
}

/// The increases of the cumulative inputs over the rate window.
struct AlertWindow: Sendable {
    var deliveriesCompleted = 0
    var deliveriesFailed = 0
    var signatureFailures = 0
}

extension AlertRule {
    /// Meta error codes whose surge is an alert: the 24-hour window closed (131047), the
    /// number's throughput (130429), the pair rate limit (131056).
    static let surgeCodes = [131047, 130429, 131056]

    /// Every rule, in the order they are evaluated.
    static let all: [AlertRule] = [
        deliveryFailureRate, tokenInvalid, errorSurge, signatureFailures, projectionLag, diskFreeLow, webhooksSilent,
    ]

    static let deliveryFailureRate = AlertRule(name: "ClickUnlockDeliveryFailureRateHigh", severity: .warning) {
        _, window, settings in
        let finished = window.deliveriesCompleted + window.deliveriesFailed
        guard finished >= max(1, settings.deliveryFailureMinimum) else { return [] }
        let ratio = Double(window.deliveriesFailed) / Double(finished)
        guard ratio > settings.deliveryFailureRatio else { return [] }
        return [
            AlertCondition(
                summary: "\(window.deliveriesFailed) of \(finished) deliveries failed in the last "
                    + "\(settings.rateWindowMinutes) min (\(percent(ratio)); threshold "
                    + "\(percent(settings.deliveryFailureRatio)))")
        ]
    }

    static let tokenInvalid = AlertRule(name: "ClickUnlockGraphTokenInvalid", severity: .critical) {
        inputs, _, settings in
        guard let last = inputs.lastTokenErrorAt, inputs.now - last < Int64(settings.tokenErrorMinutes) * 60_000,
            last >= (inputs.lastGraphOkAt ?? .min)
        else { return [] }
        return [
            AlertCondition(
                summary: "the Graph API answered 190 (access token expired or revoked): nothing can be sent "
                    + "until WHATSAPP_ACCESS_TOKEN is replaced")
        ]
    }

    static let errorSurge = AlertRule(name: "ClickUnlockGraphErrorSurge", severity: .warning) {
        inputs, _, settings in
        surgeCodes.compactMap { code in
            let count = inputs.graphCalls[.error(code: code)] ?? 0
            guard count >= max(1, settings.graphErrorSurge) else { return nil }
            return AlertCondition(
                labels: ["code": String(code)],
                summary: "\(count) Graph API answers with error \(code) in the last \(settings.rateWindowMinutes) min "
                    + "(threshold \(settings.graphErrorSurge))")
        }
    }

    static let signatureFailures = AlertRule(name: "ClickUnlockWebhookSignatureFailures", severity: .warning) {
        _, window, settings in
        guard window.signatureFailures >= max(1, settings.signatureFailures) else { return [] }
        return [
            AlertCondition(
                summary: "\(window.signatureFailures) webhooks with a missing or wrong signature in the last "
                    + "\(settings.rateWindowMinutes) min (probing, or the app secret was rotated)")
        ]
    }

    static let projectionLag = AlertRule(name: "ClickUnlockProjectionLagHigh", severity: .warning) {
        inputs, _, settings in
        guard let lag = inputs.projectorLagSeconds, lag > Double(settings.projectionLagSeconds) else { return [] }
        return [
            AlertCondition(
                summary: "projections are \(Int(lag)) s behind the log (threshold \(settings.projectionLagSeconds) s)"
            )
        ]
    }

    static let diskFreeLow = AlertRule(name: "ClickUnlockDiskFreeLow", severity: .critical) { inputs, _, settings in
        guard let disk = inputs.disk, disk.totalBytes > 0 else { return [] }
        let free = Double(disk.freeBytes) / Double(disk.totalBytes) * 100
        guard free < settings.diskFreePercent else { return [] }
        return [
            AlertCondition(
                summary: "\(String(format: "%.1f", free))% free on the data directory's file system "
                    + "(\(disk.freeBytes / 1_048_576) MiB; threshold \(settings.diskFreePercent)%)")
        ]
    }

    static let webhooksSilent = AlertRule(name: "ClickUnlockWebhooksSilent", severity: .critical) {
        inputs, _, settings in
        guard let sent = inputs.unansweredTemplateSince,
            inputs.now - sent >= Int64(settings.webhookSilenceMinutes) * 60_000
        else { return [] }
        let minutes = (inputs.now - sent) / 60_000
        return [
            AlertCondition(
                summary: "templates were accepted \(minutes) min ago and no webhook has arrived since "
                    + "(is Meta's callback URL or subscription broken?)")
        ]
    }

    private static func percent(_ ratio: Double) -> String { "\(Int((ratio * 100).rounded()))%" }
}
