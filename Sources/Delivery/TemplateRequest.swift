public import EventStore
import Foundation

/// What to send and to whom: the template sender's input, from the command line or from the
/// service's API. `validated()` fills the defaults and says what is wrong, for people.
public struct TemplateRequest: Codable, Sendable, Equatable {
    public var recipients: [String]
    public var template: String?
    public var language: String?
    /// Quick-reply payload; `{date}` becomes `day`.
    public var payload: String?
    /// YYYY-MM-DD; default today (UTC).
    public var day: String?
    public var force: Bool?

    public init(
        recipients: [String], template: String? = nil, language: String? = nil, payload: String? = nil,
        day: String? = nil, force: Bool? = nil
    ) {
        self.recipients = recipients
        self.template = template
        self.language = language
        self.payload = payload
        self.day = day
        self.force = force
    }

    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The request with its defaults, the payload's `{date}` filled in.
    public func validated(today: String = TemplateRequest.today()) throws(Invalid) -> TemplateRequest {
        var request = self
        request.template = template ?? "daily_content_ready_v1"
        request.language = language ?? "en_US"
        request.day = day ?? today
        request.force = force ?? false
        guard let day = request.day, ContentPack.isDate(day) else {
            throw Invalid(description: "day must be YYYY-MM-DD")
        }
        let payload = (payload ?? "unlock:{date}").replacingOccurrences(of: ContentPack.datePlaceholder, with: day)
        request.payload = payload
        guard !(request.template ?? "").isEmpty, !(request.language ?? "").isEmpty, !payload.isEmpty,
            payload.count <= 256
        else {
            throw Invalid(
                description: "template, language and payload must not be empty; the payload at most 256 characters")
        }
        guard !recipients.isEmpty else { throw Invalid(description: "no recipients") }
        let bad = recipients.filter { !Self.isRecipient($0) }
        guard bad.isEmpty else {
            throw Invalid(
                description:
                    "not a wa_id or BSUID: \(bad.prefix(5).joined(separator: ", "))"
                    + (bad.count > 5 ? " and \(bad.count - 5) more" : "")
            )
        }
        return request
    }

    /// A phone-number wa_id (6-20 digits, `+` allowed) or a BSUID (`CC.letters-and-digits`).
    public static func isRecipient(_ text: String) -> Bool {
        let digits = text.hasPrefix("+") ? text.dropFirst() : text[...]
        if (6...20).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return true }
        return text.contains(".") && text.count <= 128
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") }
    }

    /// Today's date (UTC) by `wall`, as YYYY-MM-DD.
    public static func today(_ wall: WallClock = .system) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(wall.now()) / 1000))
    }
}
