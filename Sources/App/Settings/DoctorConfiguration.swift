/// `clickunlock doctor`'s own settings.
struct DoctorConfiguration {
    /// Free space (MiB) under which the disk check fails; under 10% of the disk it warns.
    var minFreeDiskMiB = 1024
}
