import Adapters
import Testing

/// `clickunlock --version` prints the one version the health answer and the metrics report.
@Suite struct VersionTests {
    @Test func theCommandPrintsTheBuildVersion() throws {
        let result = try CLI.run(["--version"])
        #expect(result.status == 0)
        #expect(result.lines == [BuildInfo.version])
    }
}
