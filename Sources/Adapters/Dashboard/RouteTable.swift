import HTTPTypes

/// The dashboard port's paths and the methods each answers, so that a known path asked with
/// another method gets 405 with `Allow` (Hummingbird's router answers 404 for both).
struct RouteTable: Sendable {
    /// A path's segments; `:name` matches any one non-empty segment.
    private var entries: [(segments: [Substring], methods: [HTTPRequest.Method])] = []

    mutating func add(_ path: String, _ method: HTTPRequest.Method) {
        let segments = Self.segments(path)
        if let index = entries.firstIndex(where: { $0.segments == segments }) {
            if !entries[index].methods.contains(method) { entries[index].methods.append(method) }
        } else {
            entries.append((segments, [method]))
        }
    }

    /// The methods `path` answers, or `nil` when no route has that path.
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let asked = Self.segments(path)
        for entry in entries where entry.segments.count == asked.count {
            if zip(entry.segments, asked).allSatisfy({ $0.first == ":" ? !$1.isEmpty : $0 == $1 }) {
                return entry.methods
            }
        }
        return nil
    }

    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}
