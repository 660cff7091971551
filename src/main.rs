fn main() -> std::process::ExitCode {
    rclust::main_exit()
}
