/// One message of a content pack, as the saga sends it.
public enum ContentItem: Codable, Sendable, Equatable {
    /// An image by public link or by uploaded media id (exactly one), with an optional caption.
    case image(ImageSource, caption: String?)
    /// A text message.
    case text(String)

    public enum ImageSource: Codable, Sendable, Equatable {
        case link(String)
        case mediaId(String)
    }

    /// `"image"` or `"text"`: the Graph API message type it becomes.
    public var messageType: String {
        switch self {
        case .image: return "image"
        case .text: return "text"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case type, link, id, caption, body
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "image":
            let caption = try container.decodeIfPresent(String.self, forKey: .caption)
            if let id = try container.decodeIfPresent(String.self, forKey: .id) {
                self = .image(.mediaId(id), caption: caption)
            } else {
                self = .image(.link(try container.decode(String.self, forKey: .link)), caption: caption)
            }
        case "text":
            self = .text(try container.decode(String.self, forKey: .body))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown item type \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .image(let source, let caption):
            try container.encode("image", forKey: .type)
            switch source {
            case .link(let link): try container.encode(link, forKey: .link)
            case .mediaId(let id): try container.encode(id, forKey: .id)
            }
            try container.encodeIfPresent(caption, forKey: .caption)
        case .text(let body):
            try container.encode("text", forKey: .type)
            try container.encode(body, forKey: .body)
        }
    }
}
