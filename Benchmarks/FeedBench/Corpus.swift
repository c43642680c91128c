import Foundation

/// Signed webhooks from `IngressCorpus` (one per line: `signature<TAB>body`), kept as one block of
/// bytes with the offsets of each line's parts.
struct Corpus: Sendable {
    let bytes: [UInt8]
    /// Per webhook: where its signature starts, where the tab is, where the line ends.
    let lines: [(start: Int, tab: Int, end: Int)]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ToolError("cannot read the corpus \(path); make it with IngressCorpus SECRET COUNT > FILE")
        }
        bytes = [UInt8](data)
        var lines: [(start: Int, tab: Int, end: Int)] = []
        var start = 0
        var tab = -1
        for index in bytes.indices {
            if bytes[index] == 0x09, tab < 0 { tab = index }
            if bytes[index] == 0x0A {
                if tab > start { lines.append((start, tab, index)) }
                start = index + 1
                tab = -1
            }
        }
        self.lines = lines
    }

    var count: Int { lines.count }

    func signature(_ index: Int) -> ArraySlice<UInt8> { bytes[lines[index].start..<lines[index].tab] }
    func body(_ index: Int) -> ArraySlice<UInt8> { bytes[(lines[index].tab + 1)..<lines[index].end] }
}

struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
