/// The hand-written JSON of the saga's and the template sender's payloads (see `FastJSONEncodable`):
/// keys in sorted order, absent optionals left out, as `JSONEncoder` writes them (`CatalogueCodingTests`
/// checks each against it).
extension ContentItem: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            switch self {
            case .image(let source, let caption):
                w.field("caption", caption)
                switch source {
                case .mediaId(let id): w.field("id", id)
                case .link(let link): w.field("link", link)
                }
                w.field("type", "image")
            case .text(let body):
                w.field("body", body)
                w.field("type", "text")
            }
        }
    }
}

extension TemplateSendRequested: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("button_payload", buttonPayload)
            w.field("day", day)
            w.field("language", language)
            w.field("recipient", recipient)
            w.field("template", template)
        }
    }
}

extension TemplateSent: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("day", day)
            w.field("recipient", recipient)
            w.field("template", template)
            w.field("wamid", wamid)
        }
    }
}

extension TemplateFailed: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("day", day)
            w.field("error", error)
            w.field("recipient", recipient)
            w.field("template", template)
        }
    }
}

extension DeliveryStarted: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("click_wamid", clickWamid)
            w.field("contact", contact)
            w.field("context_id", contextId)
            w.field("delivery_id", deliveryId)
            w.field("items", items)
            w.field("pack", pack)
            w.field("phone_number_id", phoneNumberId)
            w.field("steps", steps)
        }
    }
}

extension DeliveryAttemptStarted: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("attempt", attempt)
            w.field("callback_data", callbackData)
            w.field("delivery_id", deliveryId)
            w.field("step", step)
        }
    }
}

extension DeliveryStepSent: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("delivery_id", deliveryId)
            w.field("reconciled", reconciled)
            w.field("step", step)
            w.field("wamid", wamid)
        }
    }
}

extension DeliveryStepFailed: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("delivery_id", deliveryId)
            w.field("error", error)
            w.field("from_status", fromStatus)
            w.field("next_attempt_at", nextAttemptAt)
            w.field("outcome_unknown", outcomeUnknown)
            w.field("retryable", retryable)
            w.field("step", step)
        }
    }
}

extension DeliveryCompleted: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("delivery_id", deliveryId)
            w.field("unconfirmed_steps", unconfirmedSteps)
        }
    }
}

extension DeliveryFailed: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("delivery_id", deliveryId)
            w.field("error", error)
            w.field("reason", reason)
        }
    }
}

extension DeliverySkipped: FastJSONEncodable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.field("click_wamid", clickWamid)
            w.field("contact", contact)
            w.field("detail", detail)
            w.field("payload", payload)
            w.field("reason", reason.rawValue)
        }
    }
}
