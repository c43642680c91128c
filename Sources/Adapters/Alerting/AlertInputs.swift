import Delivery

/// What the alert rules read at one evaluation, from the service's own telemetry (the Graph API
/// client's outcomes, the ingress's counters, the saga's counts, the projector, the disk).
struct AlertInputs: Sendable {
    var now: Int64
    /// Graph API call outcomes of the rate window.
    var graphCalls: [GraphCallOutcome: Int]
    var lastGraphOkAt: Int64?
    /// When the Graph API last answered 190 (token expired or revoked).
    var lastTokenErrorAt: Int64?
    var lastTemplateAcceptedAt: Int64?
    /// The first template accepted after the last webhook (kept by `AlertEngine` across evaluations).
    var unansweredTemplateSince: Int64?
    /// Cumulative (the saga's fold of the whole log); `nil` when delivery is off.
    var deliveriesCompleted: Int?
    var deliveriesFailed: Int?
    /// Cumulative since start: webhooks rejected for a missing, malformed or mismatched signature.
    var signatureFailures: Int
    var lastWebhookAt: Int64?
    var projectorLagSeconds: Double?
    var disk: DiskSpace?
}

/// Samples of cumulative counters over the rate window: the increase of each is its latest value
/// less the oldest sample still inside the window (a counter that went down restarts from 0).
struct CounterHistory: Sendable {
    struct Sample: Sendable {
        var time: Int64
        var values: [Int]
    }

    private(set) var samples: [Sample] = []

    mutating func record(_ values: [Int], at time: Int64, keepMilliseconds: Int64) {
        samples.append(Sample(time: time, values: values))
        // Keep one sample at or before the window's start, so the increase spans the whole window.
        while samples.count > 2, samples[1].time <= time - keepMilliseconds { samples.removeFirst() }
    }

    /// How much value `index` rose over the window.
    func increase(_ index: Int) -> Int {
        guard let first = samples.first else { return 0 }
        var total = 0
        var previous = first.values[index]
        for sample in samples.dropFirst() {
            let value = sample.values[index]
            total += value >= previous ? value - previous : value
            previous = value
        }
        return total
    }
}
