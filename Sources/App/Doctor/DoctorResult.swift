import Foundation

/// One named check of `clickunlock doctor`: passed, passed with a warning, failed, or skipped
/// (it could not run, or does not apply), what it found, and for a warning or a failure the
/// steps to fix it.
struct DoctorResult: Encodable, Sendable {
    enum Status: String, Encodable, Sendable {
        case ok, warning, failed, skipped

        var mark: String {
            switch self {
            case .ok: return "✓"
            case .warning: return "!"
            case .failed: return "✗"
            case .skipped: return "-"
            }
        }
    }

    /// A stable identifier (`log`, `graph_token`, ...), the key in `--json` and the docs.
    var name: String
    /// What it checks, for a person: "the event log opens and verifies".
    var title: String
    var status: Status
    /// What it found, in a line or two (never a secret).
    var detail: String
    /// What to do about a warning or a failure, one step each.
    var remedies: [String] = []

    static func ok(_ name: String, _ title: String, _ detail: String) -> DoctorResult {
        DoctorResult(name: name, title: title, status: .ok, detail: detail)
    }

    static func warning(_ name: String, _ title: String, _ detail: String, _ remedies: [String]) -> DoctorResult {
        DoctorResult(name: name, title: title, status: .warning, detail: detail, remedies: remedies)
    }

    static func failed(_ name: String, _ title: String, _ detail: String, _ remedies: [String]) -> DoctorResult {
        DoctorResult(name: name, title: title, status: .failed, detail: detail, remedies: remedies)
    }

    static func skipped(_ name: String, _ title: String, _ detail: String) -> DoctorResult {
        DoctorResult(name: name, title: title, status: .skipped, detail: detail)
    }
}

/// Every check's result, the exit code they add up to, and how they are printed.
struct DoctorReport: Encodable, Sendable {
    var checks: [DoctorResult]

    var failed: Int { checks.count { $0.status == .failed } }
    var warnings: Int { checks.count { $0.status == .warning } }

    /// 0 every check passed; 1 at least one failed; 2 none failed, some warned.
    var exitCode: Int32 { failed > 0 ? 1 : warnings > 0 ? 2 : 0 }

    /// `gitlab:check` style: a line per check, and under a warning or failure its fixes.
    var text: String {
        var out = "Checking ClickUnlock ...\n\n"
        for check in checks {
            out += "\(check.status.mark) \(check.title) [\(check.name)]: \(check.detail)\n"
            guard !check.remedies.isEmpty else { continue }
            out += "  Try fixing it:\n"
            for step in check.remedies { out += "  - \(step)\n" }
        }
        out += "\n"
        if failed > 0 {
            out += "\(failed) check(s) failed, \(warnings) warning(s). "
            out += "Please fix the error(s) above and rerun the checks.\n"
        } else if warnings > 0 {
            out += "All checks passed, with \(warnings) warning(s) above.\n"
        } else {
            out += "All checks passed.\n"
        }
        return out
    }

    private enum CodingKeys: String, CodingKey { case status, exitCode = "exit_code", failed, warnings, checks }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(failed > 0 ? "failed" : warnings > 0 ? "warning" : "ok", forKey: .status)
        try container.encode(exitCode, forKey: .exitCode)
        try container.encode(failed, forKey: .failed)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(checks, forKey: .checks)
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self) + "\n"
    }
}
