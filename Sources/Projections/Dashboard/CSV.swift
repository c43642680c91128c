import Foundation

/// A list row that also answers as CSV: the header (the JSON field names, nested objects
/// flattened `last_error_code` style) and the row's cells in the same order (empty for null).
public protocol CSVRow {
    static var csvHeader: [String] { get }
    var csvFields: [String?] { get }
}

/// CSV lines as RFC 4180 writes them, with the spreadsheet-injection rule: a cell starting with
/// `=`, `+`, `-` or `@` is prefixed with `'` so that no spreadsheet runs it as a formula.
public enum CSV {
    /// One line, CRLF-terminated.
    public static func line(_ fields: [String?]) -> String {
        fields.map { cell($0 ?? "") }.joined(separator: ",") + "\r\n"
    }

    /// The header line of `Row`.
    public static func header<Row: CSVRow>(_: Row.Type) -> String { line(Row.csvHeader) }

    /// A row's line.
    public static func line(_ row: some CSVRow) -> String { line(row.csvFields) }

    public static func cell(_ field: String) -> String {
        var text = field
        if let first = text.unicodeScalars.first, "=+-@".unicodeScalars.contains(first) { text = "'" + text }
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
