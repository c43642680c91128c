public import Delivery
public import Domain

/// The JSON body of `POST /{version}/{phone-number-id}/messages` (the reference, section 5):
/// encoded by the client, decoded and checked by the simulator.
public struct GraphMessageRequest: Codable, Sendable, Equatable {
    public var messagingProduct: String?
    public var recipientType: String?
    /// Phone number (with `+` and country code) or wa_id.
    public var to: String?
    /// A BSUID, for contacts known only by one.
    public var recipient: String?
    public var type: String?
    public var text: Text?
    public var image: Image?
    public var template: Template?
    public var bizOpaqueCallbackData: String?

    public struct Text: Codable, Sendable, Equatable {
        public var previewUrl: Bool?
        public var body: String?
        enum CodingKeys: String, CodingKey { case previewUrl = "preview_url", body }
    }

    public struct Image: Codable, Sendable, Equatable {
        public var link: String?
        public var id: String?
        public var caption: String?
    }

    public struct Template: Codable, Sendable, Equatable {
        public var name: String?
        public var language: Language?
        public var components: [Component]?

        public struct Language: Codable, Sendable, Equatable {
            public var code: String?
        }

        public struct Component: Codable, Sendable, Equatable {
            public var type: String?
            public var subType: String?
            public var index: String?
            public var parameters: [Parameter]?
            enum CodingKeys: String, CodingKey { case type, subType = "sub_type", index, parameters }
        }

        public struct Parameter: Codable, Sendable, Equatable {
            public var type: String?
            public var payload: String?
            public var text: String?
        }

        /// Payloads of its quick-reply buttons, by index.
        public var quickReplyPayloads: [String] {
            (components ?? []).filter { $0.type == "button" && $0.subType == "quick_reply" }
                .compactMap { $0.parameters?.first(where: { $0.type == "payload" })?.payload }
        }
    }

    enum CodingKeys: String, CodingKey {
        case messagingProduct = "messaging_product", recipientType = "recipient_type", to, recipient, type, text, image,
            template, bizOpaqueCallbackData = "biz_opaque_callback_data"
    }

    public init(_ message: OutgoingMessage) {
        messagingProduct = "whatsapp"
        recipientType = "individual"
        // A wa_id is digits; Meta wants `+` and the country code (without `+` it prepends the
        // sender's own country code). A BSUID (`CC.digits`) goes in `recipient`.
        if message.to.contains(".") {
            recipient = message.to
        } else {
            to = message.to.hasPrefix("+") ? message.to : "+" + message.to
        }
        bizOpaqueCallbackData = message.callbackData
        switch message.body {
        case .template(let name, let language, let payload):
            type = "template"
            template = Template(
                name: name, language: .init(code: language),
                components: [
                    .init(
                        type: "button", subType: "quick_reply", index: "0",
                        parameters: [.init(type: "payload", payload: payload)])
                ])
        case .content(.text(let body)):
            type = "text"
            text = Text(previewUrl: false, body: body)
        case .content(.image(let source, let caption)):
            type = "image"
            switch source {
            case .link(let link): image = Image(link: link, caption: caption)
            case .mediaId(let id): image = Image(id: id, caption: caption)
            }
        }
    }

    /// The recipient as the simulator keys it: the wa_id without `+`, or the BSUID.
    public var recipientKey: String? {
        if let to { return to.hasPrefix("+") ? String(to.dropFirst()) : to }
        return recipient
    }
}

/// Success: `{"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],"messages":[{"id"}]}`.
public struct GraphSendResponse: Codable, Sendable {
    public var messagingProduct: String?
    public var contacts: [Contact]?
    public var messages: [Message]?

    public struct Contact: Codable, Sendable {
        public var input: String?
        public var waId: String?
        enum CodingKeys: String, CodingKey { case input, waId = "wa_id" }
    }

    public struct Message: Codable, Sendable {
        public var id: String
        public var messageStatus: String?
        enum CodingKeys: String, CodingKey { case id, messageStatus = "message_status" }
    }

    enum CodingKeys: String, CodingKey { case messagingProduct = "messaging_product", contacts, messages }
}

/// Failure: `{"error":{"message","type","code","error_data":{"details"},"error_subcode","fbtrace_id"}}`.
public struct GraphErrorResponse: Codable, Sendable {
    public var error: Body

    public struct Body: Codable, Sendable {
        public var message: String?
        public var type: String?
        public var code: Int
        public var errorData: ErrorData?
        public var errorSubcode: Int?
        public var fbtraceId: String?
        enum CodingKeys: String, CodingKey {
            case message, type, code, errorData = "error_data", errorSubcode = "error_subcode", fbtraceId = "fbtrace_id"
        }
    }

    public struct ErrorData: Codable, Sendable {
        public var messagingProduct: String?
        public var details: String?
        enum CodingKeys: String, CodingKey { case messagingProduct = "messaging_product", details }
    }

    public var metaError: MetaError {
        MetaError(code: error.code, title: error.type, message: error.message, details: error.errorData?.details)
    }
}
