public import EventStore

/// Decoding of the payloads the projector reads most (one or more per webhook) from a
/// `JSONValue`, field by field, with the rules of `JSONDecoder` for these types: a required key
/// missing or of the wrong type fails; an optional one may be absent or null. On failure the
/// caller falls back to `JSONDecoder`, so a payload decodes the same either way (tested).
struct FieldReader {
    let object: JSONObject
    var failed = false

    init?(_ value: JSONValue) {
        guard let object = value.object else { return nil }
        self.object = object
    }

    mutating func string(_ key: String) -> String {
        guard let value = object[key]?.string else {
            failed = true
            return ""
        }
        return value
    }

    mutating func optionalString(_ key: String) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.string else {
            failed = true
            return nil
        }
        return text
    }

    mutating func int64(_ key: String) -> Int64 {
        guard let value = object[key]?.int else {
            failed = true
            return 0
        }
        return value
    }

    mutating func int(_ key: String) -> Int {
        guard let value = object[key]?.int, let int = Int(exactly: value) else {
            failed = true
            return 0
        }
        return int
    }

    mutating func bool(_ key: String) -> Bool {
        guard let value = object[key]?.bool else {
            failed = true
            return false
        }
        return value
    }

    mutating func rawValue<Value: RawRepresentable>(_ key: String, as _: Value.Type) -> Value?
    where Value.RawValue == String {
        guard let value = object[key]?.string.flatMap(Value.init(rawValue:)) else {
            failed = true
            return nil
        }
        return value
    }

    mutating func nested<Value>(_ key: String, _ decode: (JSONValue) -> Value?) -> Value? {
        guard let value = object[key].flatMap(decode) else {
            failed = true
            return nil
        }
        return value
    }
}

extension Sender {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json) else { return nil }
        self.init(
            waId: fields.optionalString("wa_id"), userId: fields.optionalString("user_id"),
            profileName: fields.optionalString("profile_name"), phoneNumberId: fields.optionalString("phone_number_id"))
        if fields.failed { return nil }
    }
}

extension MetaError {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json) else { return nil }
        self.init(
            code: fields.int("code"), title: fields.optionalString("title"), message: fields.optionalString("message"),
            details: fields.optionalString("details"))
        if fields.failed { return nil }
    }
}

extension WebhookReceived {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json),
            let signature = fields.rawValue("signature", as: SignatureStatus.self),
            let parse = fields.rawValue("parse", as: ParseStatus.self)
        else { return nil }
        self.init(
            receivedAt: fields.int64("received_at"), remoteAddress: fields.optionalString("remote_address"),
            signature: signature,
            parse: parse, bodyBytes: fields.int("body_bytes"), duplicates: fields.int("duplicates"),
            requestId: fields.optionalString("request_id"))
        if fields.failed { return nil }
    }
}

extension MessageReceived {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json), let sender = fields.nested("sender", Sender.init(json:)) else {
            return nil
        }
        self.init(
            wamid: fields.string("wamid"), sender: sender, messageType: fields.string("message_type"),
            timestamp: fields.int64("timestamp"), textPreview: fields.optionalString("text_preview"),
            contextId: fields.optionalString("context_id"), timestampRaw: fields.optionalString("timestamp_raw"))
        if fields.failed { return nil }
    }
}

extension ButtonClicked {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json), let sender = fields.nested("sender", Sender.init(json:)),
            let kind = fields.rawValue("kind", as: Kind.self)
        else { return nil }
        self.init(
            wamid: fields.string("wamid"), sender: sender, kind: kind, payload: fields.string("payload"),
            text: fields.optionalString("text"), contextId: fields.optionalString("context_id"),
            timestamp: fields.int64("timestamp"), authorized: fields.bool("authorized"),
            timestampRaw: fields.optionalString("timestamp_raw"))
        if fields.failed { return nil }
    }
}

extension StatusUpdated {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json),
            let errors = fields.nested(
                "errors",
                { value -> [MetaError]? in
                    guard let items = value.array else { return nil }
                    let errors = items.compactMap(MetaError.init(json:))
                    return errors.count == items.count ? errors : nil
                })
        else { return nil }
        self.init(
            wamid: fields.string("wamid"), status: fields.string("status"), timestamp: fields.int64("timestamp"),
            recipientId: fields.string("recipient_id"), errors: errors,
            pricingCategory: fields.optionalString("pricing_category"),
            conversationId: fields.optionalString("conversation_id"),
            bizOpaqueCallbackData: fields.optionalString("biz_opaque_callback_data"),
            phoneNumberId: fields.optionalString("phone_number_id"),
            timestampRaw: fields.optionalString("timestamp_raw"))
        if fields.failed { return nil }
    }
}

extension WebhookError {
    init?(json: JSONValue) {
        guard var fields = FieldReader(json), let error = fields.nested("error", MetaError.init(json:)) else {
            return nil
        }
        self.init(error: error, phoneNumberId: fields.optionalString("phone_number_id"))
        if fields.failed { return nil }
    }
}

extension DomainFact {
    /// The types read by `fast(_:_:)`: those of every webhook.
    static func readsFast(_ type: EventType) -> Bool {
        switch type {
        case .webhookReceived, .messageReceived, .buttonClicked, .statusUpdated, .webhookError: return true
        default: return false
        }
    }

    /// The fast path for the frequent types; `nil` sends the caller to `JSONDecoder`.
    static func fast(_ type: EventType, _ data: [UInt8]) -> DomainFact? {
        guard readsFast(type) else { return nil }
        guard let json = try? JSONParser.parse(data) else { return nil }
        switch type {
        case .webhookReceived: return WebhookReceived(json: json).map(DomainFact.webhookReceived)
        case .messageReceived: return MessageReceived(json: json).map(DomainFact.messageReceived)
        case .buttonClicked: return ButtonClicked(json: json).map(DomainFact.buttonClicked)
        case .statusUpdated: return StatusUpdated(json: json).map(DomainFact.statusUpdated)
        case .webhookError: return WebhookError(json: json).map(DomainFact.webhookError)
        default: return nil
        }
    }

    /// Decodes with `JSONDecoder` only (the reference the fast path is tested against).
    public static func decodedSlowly(_ event: RecordedEvent) -> DomainFact { DomainFact(event, fast: false) }
}
