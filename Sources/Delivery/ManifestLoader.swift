import Domain
import Foundation
import Yams

/// Reads a content manifest (YAML, or JSON, which YAML includes) and checks it; a problem is
/// reported with its line and the reason, so a bad manifest stops the service at start.
public enum ManifestLoader {
    public struct Problem: Error, CustomStringConvertible, Equatable {
        public var line: Int?
        public var reason: String
        public var description: String { line.map { "line \($0): \(reason)" } ?? reason }
    }

    public static func load(path: String) throws(Problem) -> ContentManifest {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(line: nil, reason: "cannot read the content manifest \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Problem(line: nil, reason: "the content manifest \(path) is not UTF-8 text")
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(Problem) -> ContentManifest {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw syntaxProblem(error)
        } catch {
            throw Problem(line: nil, reason: "not YAML or JSON")
        }
        guard let root, let mapping = root.mapping else {
            throw Problem(line: root?.mark?.line ?? 1, reason: "the manifest must be a mapping with a `packs` list")
        }
        try allowOnly(["packs"], in: mapping)
        guard let packsNode = mapping["packs"] else {
            throw Problem(line: root.mark?.line, reason: "`packs` is missing")
        }
        guard let packs = packsNode.sequence, !packs.isEmpty else {
            throw Problem(line: packsNode.mark?.line, reason: "`packs` must be a non-empty list")
        }
        var result: [ContentPack] = []
        var payloads: Set<String> = []
        for node in packs {
            let pack = try parsePack(node)
            guard payloads.insert(pack.payload).inserted else {
                throw Problem(line: node.mark?.line, reason: "payload `\(pack.payload)` is used by an earlier pack")
            }
            result.append(pack)
        }
        return ContentManifest(packs: result)
    }

    private static func parsePack(_ node: Node) throws(Problem) -> ContentPack {
        guard let mapping = node.mapping else {
            throw Problem(line: node.mark?.line, reason: "a pack must be a mapping with name, payload and items")
        }
        try allowOnly(["name", "payload", "items"], in: mapping)
        let name = try string("name", in: mapping, at: node, limit: 200)
        let payload = try string("payload", in: mapping, at: node, limit: 256)
        let placeholders = payload.components(separatedBy: ContentPack.datePlaceholder).count - 1
        if placeholders > 1 || (placeholders == 0 && payload.contains("{")) {
            throw Problem(
                line: mapping["payload"]?.mark?.line,
                reason: "payload may hold at most one placeholder, and only {date}")
        }
        guard let itemsNode = mapping["items"] else {
            throw Problem(line: node.mark?.line, reason: "pack `\(name)` has no `items`")
        }
        guard let items = itemsNode.sequence, (1...50).contains(items.count) else {
            throw Problem(line: itemsNode.mark?.line, reason: "`items` must be a list of 1 to 50 messages")
        }
        var parsed: [ContentItem] = []
        for item in items { parsed.append(try parseItem(item)) }
        return ContentPack(name: name, payload: payload, items: parsed)
    }

    private static func parseItem(_ node: Node) throws(Problem) -> ContentItem {
        guard let mapping = node.mapping else {
            throw Problem(line: node.mark?.line, reason: "an item must be a mapping with a `type`")
        }
        let type = try string("type", in: mapping, at: node, limit: 10)
        switch type {
        case "text":
            try allowOnly(["type", "body"], in: mapping)
            return .text(try string("body", in: mapping, at: node, limit: 4096))
        case "image":
            try allowOnly(["type", "link", "id", "caption"], in: mapping)
            let caption = try mapping["caption"].map { _ throws(Problem) in
                try string("caption", in: mapping, at: node, limit: 1024)
            }
            switch (mapping["link"], mapping["id"]) {
            case (.some, .none):
                let link = try string("link", in: mapping, at: node, limit: 2048)
                guard link.hasPrefix("https://") || link.hasPrefix("http://") else {
                    throw Problem(line: mapping["link"]?.mark?.line, reason: "an image link must be an http(s) URL")
                }
                return .image(.link(link), caption: caption)
            case (.none, .some):
                return .image(.mediaId(try string("id", in: mapping, at: node, limit: 128)), caption: caption)
            default:
                throw Problem(line: node.mark?.line, reason: "an image needs exactly one of `link` or `id`")
            }
        default:
            throw Problem(line: mapping["type"]?.mark?.line, reason: "unknown item type `\(type)` (use image or text)")
        }
    }

    private static func string(
        _ key: String, in mapping: Node.Mapping, at node: Node, limit: Int
    ) throws(Problem) -> String {
        guard let value = mapping[key] else { throw Problem(line: node.mark?.line, reason: "`\(key)` is missing") }
        guard let scalar = value.scalar, !scalar.string.isEmpty else {
            throw Problem(line: value.mark?.line, reason: "`\(key)` must be a non-empty string")
        }
        guard scalar.string.count <= limit else {
            throw Problem(
                line: value.mark?.line,
                reason: "`\(key)` is \(scalar.string.count) characters; at most \(limit) are allowed")
        }
        return scalar.string
    }

    private static func allowOnly(_ keys: Set<String>, in mapping: Node.Mapping) throws(Problem) {
        for (key, _) in mapping {
            guard let name = key.scalar?.string, keys.contains(name) else {
                throw Problem(
                    line: key.mark?.line,
                    reason:
                        "unknown key `\(key.scalar?.string ?? "?")` (expected \(keys.sorted().joined(separator: ", ")))"
                )
            }
        }
    }

    private static func syntaxProblem(_ error: YamlError) -> Problem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return Problem(line: mark.line, reason: "not valid YAML/JSON: \(problem)")
        default:
            return Problem(line: nil, reason: "not valid YAML/JSON")
        }
    }
}
