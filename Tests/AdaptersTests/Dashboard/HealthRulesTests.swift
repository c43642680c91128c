import Adapters
import Testing

/// The health status rules, one by one and together.
@Suite struct HealthRulesTests {
    static let gib: Int64 = 1 << 30

    static func figures(_ change: (inout HealthRules.Figures) -> Void = { _ in }) -> HealthRules.Figures {
        var figures = HealthRules.Figures()
        figures.diskFreeBytes = 50 * gib
        figures.diskTotalBytes = 100 * gib
        change(&figures)
        return figures
    }

    @Test func aHealthyServiceIsOkWithNoReasons() {
        let (status, reasons) = HealthRules.evaluate(
            Self.figures {
                $0.lagMs = 30_000
                $0.graphCalls = 9
            })
        #expect(status == "ok")
        #expect(reasons.isEmpty)
    }

    @Test func eachDegradingRule() {
        let cases: [(HealthRules.Figures, String)] = [
            (Self.figures { $0.lagMs = 30_001 }, "behind the log"),
            (Self.figures { $0.skipped = 2 }, "skipped 2 event(s)"),
            (Self.figures { ($0.graphCalls, $0.graphErrors) = (10, 6) }, "6 of 10"),
            (Self.figures { $0.oldestInFlightAgeMs = 16 * 60_000 }, "in flight for 16 min"),
            (Self.figures { $0.diskFreeBytes = 4 * Self.gib }, "disk space is low"),
            (
                Self.figures { ($0.diskFreeBytes, $0.diskTotalBytes) = (Self.gib / 2, 8 * Self.gib) },
                "disk space is low"
            ),
        ]
        for (figures, words) in cases {
            let (status, reasons) = HealthRules.evaluate(figures)
            #expect(status == "degraded", "\(words)")
            #expect(reasons.count == 1 && reasons[0].contains(words), "\(reasons)")
        }
        #expect(HealthRules.evaluate(Self.figures { ($0.graphCalls, $0.graphErrors) = (10, 5) }).status == "ok")
    }

    @Test func failingOutranksDegradedAndListsEveryReason() {
        let stopped = HealthRules.evaluate(
            Self.figures {
                $0.projectorRunning = false
                $0.lagMs = 60_000
            })
        #expect(stopped.status == "failing")
        #expect(stopped.reasons.count == 2)
        #expect(stopped.reasons[0].contains("projector has stopped"))
        let full = HealthRules.evaluate(Self.figures { $0.diskFreeBytes = 100 << 20 })
        #expect(full.status == "failing")
        #expect(
            full.reasons == [
                "the data directory's disk is nearly full (100 MiB free): the log will soon refuse webhooks"
            ])
    }
}
