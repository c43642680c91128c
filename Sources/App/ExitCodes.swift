import ArgumentParser

/// Exit codes shared by the commands (sysexits-style where one fits).
enum ExitCodes {
    /// Finished, but skipped corrupt data (`--skip-corrupt`) or found problems (`log verify`).
    static let incomplete = ExitCode(2)
    /// The log holds damaged data.
    static let corrupt = ExitCode(65)
    /// There is no log at the given directory.
    static let noInput = ExitCode(66)
    /// A port or another resource the service needs is taken.
    static let unavailable = ExitCode(69)
    /// Reading or writing failed.
    static let ioError = ExitCode(74)
    /// Another process holds the log.
    static let busy = ExitCode(75)
}
