/// JSON or CSV: `?format=csv|json` decides; without it, the `Accept` header (its best-rated of
/// `application/json`, `text/csv`, and wildcards, which mean JSON). Only lists have CSV.
enum Representation: String, Sendable {
    case json
    case csv

    /// - Throws: 400 for an unknown `format` (or CSV of a route that is not a list), 406 when
    ///   `Accept` takes neither JSON nor (for lists) CSV.
    static func choose(format: String?, accept: String?, csvAllowed: Bool) throws(DashboardError) -> Representation {
        if let format {
            switch format {
            case "json": return .json
            case "csv" where csvAllowed: return .csv
            case "csv": throw .badParameter("format", "this route answers JSON only; CSV is for the lists")
            default: throw .badParameter("format", "format must be json" + (csvAllowed ? " or csv" : ""))
            }
        }
        guard let accept, !accept.isEmpty else { return .json }
        var best: (quality: Double, choice: Representation)?
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: " \t") }
            guard let type = parts.first?.lowercased() else { continue }
            let quality =
                parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let choice: Representation?
            switch type {
            case "application/json", "application/*", "*/*": choice = .json
            case "text/csv" where csvAllowed: choice = .csv
            case "text/*" where csvAllowed: choice = .csv
            default: choice = nil
            }
            guard let choice, quality > 0 else { continue }
            // A tie keeps the first; JSON wins a tie with a wildcard written before it.
            if best == nil || quality > best!.quality { best = (quality, choice) }
        }
        guard let best else {
            throw DashboardError(
                .notAcceptable, code: "not_acceptable",
                "this route answers application/json" + (csvAllowed ? " or text/csv" : "")
                    + "; accept one of them")
        }
        return best.choice
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return String(text)
    }
}
