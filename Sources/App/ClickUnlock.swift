import Adapters
import ArgumentParser

@main
struct ClickUnlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clickunlock",
        abstract: "Turns WhatsApp template button taps into delivered premium content.",
        version: BuildInfo.version,
        subcommands: [
            DemoCommand.self, ServeCommand.self, ReplayCommand.self, RebuildCommand.self, SendTemplateCommand.self,
            GraphSimCommand.self,
            LogCommand.self, ProjectCommand.self, SettingsCommand.self,
            DoctorCommand.self,
            BackupCommand.self, RestoreCommand.self,
        ]
    )
}
