fn main() -> std::process::ExitCode {
    rclust::cli::main_exit()
}
