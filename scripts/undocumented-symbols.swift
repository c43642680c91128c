// Lists the public symbols of a symbol graph that have no `///` documentation; exits 1 if there are any.
//
// Usage: swift scripts/undocumented-symbols.swift GRAPH.symbols.json...
// (`scripts/docs.sh` makes the graphs with `swift package dump-symbol-graph`.)
// Members that a type gets from a protocol's default implementation are skipped: their documentation
// is the protocol's.
import Foundation

var undocumented: [String] = []
var total = 0
for path in CommandLine.arguments.dropFirst() {
    guard let data = FileManager.default.contents(atPath: path),
        let graph = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
        let symbols = graph["symbols"] as? [[String: Any]]
    else {
        FileHandle.standardError.write(Data("cannot read the symbol graph \(path)\n".utf8))
        exit(2)
    }
    for symbol in symbols {
        let identifier = (symbol["identifier"] as? [String: Any])?["precise"] as? String ?? ""
        if identifier.contains("::SYNTHESIZED::") { continue }
        total += 1
        let lines = (symbol["docComment"] as? [String: Any])?["lines"] as? [[String: Any]] ?? []
        let text = lines.compactMap { $0["text"] as? String }.joined().trimmingCharacters(in: .whitespaces)
        if !text.isEmpty { continue }
        let kind = (symbol["kind"] as? [String: Any])?["displayName"] as? String ?? "symbol"
        let name = (symbol["pathComponents"] as? [String])?.joined(separator: ".") ?? identifier
        let location = symbol["location"] as? [String: Any]
        let file = (location?["uri"] as? String).map { URL(string: $0)?.lastPathComponent ?? $0 } ?? "?"
        let line = ((location?["position"] as? [String: Any])?["line"] as? Int).map { $0 + 1 } ?? 0
        undocumented.append("\(file):\(line): \(kind) \(name)")
    }
}
if undocumented.isEmpty {
    print("every public symbol is documented (\(total) symbols)")
} else {
    print("public symbols without a /// comment (\(undocumented.count) of \(total)):")
    for entry in undocumented.sorted() { print("  \(entry)") }
    print("Add a /// comment saying what it does (units, errors thrown and when).")
    exit(1)
}
