import Foundation
import Glibc

/// The server's memory and CPU, and the tool's own CPU, from Linux's /proc.
enum ProcessStats {
    /// `VmRSS` (or another field) of /proc/PID/status, in KiB.
    static func status(_ pid: Int32, _ field: String = "VmRSS") -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        }
        return nil
    }

    /// CPU seconds (user + system) of a process or one of its threads, from its `stat` file.
    static func cpuSeconds(statPath: String) -> Double? {
        guard let text = try? String(contentsOfFile: statPath, encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func cpuSeconds(_ pid: Int32) -> Double? { cpuSeconds(statPath: "/proc/\(pid)/stat") }

    /// CPU seconds per thread name (threads of one name added up).
    static func threadCPU(_ pid: Int32) -> [String: Double] {
        var result: [String: Double] = [:]
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        for task in tasks {
            let name =
                (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            result[name, default: 0] += cpuSeconds(statPath: "/proc/\(pid)/task/\(task)/stat") ?? 0
        }
        return result
    }

    /// CPU seconds the whole machine spent busy (all cores, everything but idle and iowait).
    static func machineBusySeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return 0 }
        // user nice system idle iowait irq softirq steal ...: idle and iowait are not busy.
        let busy = ticks.enumerated().filter { $0.offset != 3 && $0.offset != 4 && $0.offset < 8 }.map(\.element)
        return busy.reduce(0, +) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The tool's own CPU seconds.
    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
