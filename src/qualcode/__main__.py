from qualcode.cli.entry import main

main()
