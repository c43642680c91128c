/// The build's identity: the one place its version is written (`clickunlock --version`, the
/// health answer's `build.version` and the `clickunlock_build_info` metric read it).
public enum BuildInfo {
    /// This build's version. Change it here when releasing.
    public static let version = "0.16.0"
}
