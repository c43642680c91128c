public import Domain

/// Which content a button payload unlocks: packs matched by payload pattern, in manifest order.
public struct ContentManifest: Sendable, Equatable {
    public var packs: [ContentPack]

    public init(packs: [ContentPack]) { self.packs = packs }

    /// The first pack whose payload pattern matches `payload`, with its placeholders filled in.
    public func resolve(payload: String) -> ResolvedPack? {
        for pack in packs {
            if let resolved = pack.resolve(payload: payload) { return resolved }
        }
        return nil
    }
}

/// A pack as the manifest declares it. `payload` is a literal or holds one `{date}` placeholder
/// (YYYY-MM-DD), which may also appear in `name`, captions and text bodies.
public struct ContentPack: Sendable, Equatable {
    public var name: String
    public var payload: String
    public var items: [ContentItem]

    public init(name: String, payload: String, items: [ContentItem]) {
        self.name = name
        self.payload = payload
        self.items = items
    }

    public static let datePlaceholder = "{date}"

    public func resolve(payload candidate: String) -> ResolvedPack? {
        guard let range = payload.range(of: Self.datePlaceholder) else {
            return candidate == payload ? ResolvedPack(name: name, payload: candidate, items: items) : nil
        }
        let prefix = payload[..<range.lowerBound]
        let suffix = payload[range.upperBound...]
        guard candidate.count == payload.count - Self.datePlaceholder.count + 10, candidate.hasPrefix(prefix),
            candidate.hasSuffix(suffix)
        else { return nil }
        let date = String(candidate.dropFirst(prefix.count).dropLast(suffix.count))
        guard Self.isDate(date) else { return nil }
        func fill(_ text: String) -> String { text.replacingOccurrences(of: Self.datePlaceholder, with: date) }
        let filled = items.map { item -> ContentItem in
            switch item {
            case .text(let body): return .text(fill(body))
            case .image(.link(let link), let caption): return .image(.link(fill(link)), caption: caption.map(fill))
            case .image(let source, let caption): return .image(source, caption: caption.map(fill))
            }
        }
        return ResolvedPack(name: fill(name), payload: candidate, items: filled)
    }

    /// `YYYY-MM-DD` with a plausible month and day.
    public static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}

/// A pack chosen for one click: the items to send, in order.
public struct ResolvedPack: Sendable, Equatable {
    public var name: String
    public var payload: String
    public var items: [ContentItem]
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
