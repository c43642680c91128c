import Foundation

/// CSV as RFC 4180 writes it (CRLF line ends; a cell holding `,`, `"`, CR or LF quoted, its
/// quotes doubled), with one guard for spreadsheets: a cell starting with `=`, `+`, `-`, `@`, a tab
/// or CR is prefixed with `'`, so that no cell from the data runs as a formula.
public enum CSVText {
    /// One line, CRLF included; `nil` cells are empty.
    public static func row(_ cells: [String?]) -> String {
        cells.map { cell($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    public static func cell(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
