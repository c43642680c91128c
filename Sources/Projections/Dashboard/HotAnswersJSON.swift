extension MetricsAnswer: JSONMembers {
    public func writeMembers(_ w: inout JSONWriter) {
        w.key("zone")
        w.string(zone)
        w.key("from")
        w.string(from)
        w.key("to")
        w.string(to)
        w.key("totals")
        totals.write(&w)
        w.key("days")
        w.openArray()
        for day in days { day.write(&w) }
        w.closeArray()
    }
}

extension DayMetrics {
    func write(_ w: inout JSONWriter) {
        w.open()
        w.key("day")
        w.string(day)
        w.key("button_clicks")
        w.int(buttonClicks)
        w.key("unique_clickers")
        w.int(uniqueClickers)
        w.key("by_payload")
        w.openArray()
        for payload in byPayload {
            w.open()
            w.key("payload")
            w.string(payload.payload)
            w.key("clicks")
            w.int(payload.clicks)
            w.key("unique_clickers")
            w.int(payload.uniqueClickers)
            w.close()
        }
        w.closeArray()
        w.key("deliveries")
        w.open()
        w.key("started")
        w.int(deliveries.started)
        w.key("completed")
        w.int(deliveries.completed)
        w.key("failed")
        w.int(deliveries.failed)
        w.key("in_flight")
        w.int(deliveries.inFlight)
        w.key("success_rate")
        w.number(deliveries.successRate)
        w.close()
        w.key("latency_ms")
        w.open()
        w.key("p50")
        w.int(latencyMs.p50)
        w.key("p95")
        w.int(latencyMs.p95)
        w.key("count")
        w.int(latencyMs.count)
        w.close()
        w.key("messages")
        w.open()
        w.key("sent")
        w.int(messages.sent)
        w.key("delivered")
        w.int(messages.delivered)
        w.key("read")
        w.int(messages.read)
        w.key("failed")
        w.int(messages.failed)
        w.close()
        w.key("templates")
        w.open()
        w.key("sent")
        w.int(templates.sent)
        w.key("accepted")
        w.int(templates.accepted)
        w.key("delivered")
        w.int(templates.delivered)
        w.key("read")
        w.int(templates.read)
        w.key("failed")
        w.int(templates.failed)
        w.close()
        w.key("errors")
        w.openArray()
        for error in errors {
            w.open()
            w.key("code")
            w.int(error.code)
            w.key("count")
            w.int(error.count)
            w.key("meaning")
            w.string(error.meaning)
            w.close()
        }
        w.closeArray()
        w.close()
    }
}

extension RealtimeStats: JSONMembers {
    public func writeMembers(_ w: inout JSONWriter) {
        w.key("now")
        w.string(now)
        w.key("windows")
        w.open()
        w.key("1m")
        windows.oneMinute.write(&w)
        w.key("5m")
        windows.fiveMinutes.write(&w)
        w.key("15m")
        windows.fifteenMinutes.write(&w)
        w.close()
        w.key("series")
        w.openArray()
        for minute in series {
            w.open()
            w.key("minute")
            w.string(minute.minute)
            w.key("events")
            w.int(minute.events)
            w.key("clicks")
            w.int(minute.clicks)
            w.key("deliveries_completed")
            w.int(minute.deliveriesCompleted)
            w.key("deliveries_failed")
            w.int(minute.deliveriesFailed)
            w.key("messages_sent")
            w.int(minute.messagesSent)
            w.key("errors")
            w.int(minute.errors)
            w.key("latency_ms_mean")
            w.number(minute.latencyMsMean)
            w.close()
        }
        w.closeArray()
    }
}

extension Rates {
    func write(_ w: inout JSONWriter) {
        w.open()
        w.key("events_per_minute")
        w.number(eventsPerMinute)
        w.key("clicks_per_minute")
        w.number(clicksPerMinute)
        w.key("deliveries_completed_per_minute")
        w.number(deliveriesCompletedPerMinute)
        w.key("deliveries_failed_per_minute")
        w.number(deliveriesFailedPerMinute)
        w.key("messages_sent_per_minute")
        w.number(messagesSentPerMinute)
        w.key("errors_per_minute")
        w.number(errorsPerMinute)
        w.key("latency_ms_mean")
        w.number(latencyMsMean)
        w.close()
    }
}

extension ProjectionsHealth: JSONMembers {
    /// `"projector":{...},"saga":{...}`.
    public func writeMembers(_ w: inout JSONWriter) {
        w.key("projector")
        projector.write(&w)
        w.key("saga")
        saga.write(&w)
    }
}

extension ProjectorFigures {
    /// The projector's object, as health shows it.
    public func write(_ w: inout JSONWriter) {
        w.open()
        w.key("position")
        w.int(position)
        w.key("lag_events")
        w.int(lagEvents)
        w.key("lag_ms")
        w.int(lagMs)
        w.key("projections")
        w.openArray()
        for projection in projections {
            w.open()
            w.key("name")
            w.string(projection.name)
            w.key("version")
            w.int(projection.version)
            w.key("checkpoint")
            w.int(projection.checkpoint)
            w.key("applied")
            w.int(projection.applied)
            w.key("skipped")
            w.int(projection.skipped)
            w.close()
        }
        w.closeArray()
        w.key("skips")
        w.openArray()
        for skip in skips {
            w.open()
            w.key("projection")
            w.string(skip.projection)
            w.key("position")
            w.int(skip.position)
            w.key("type")
            w.string(skip.type)
            w.key("reason")
            w.string(skip.reason)
            w.close()
        }
        w.closeArray()
        w.close()
    }
}

extension SagaFigures {
    /// The saga's object, as health shows it.
    public func write(_ w: inout JSONWriter) {
        w.open()
        w.key("enabled")
        w.bool(enabled)
        w.key("in_flight")
        w.int(inFlight)
        w.key("oldest_in_flight_age_ms")
        w.int(oldestInFlightAgeMs)
        w.key("steps_awaiting_reconciliation")
        w.int(stepsAwaitingReconciliation)
        w.close()
    }
}
