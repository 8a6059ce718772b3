import TrainerCLI

TrainerCommand.main()
