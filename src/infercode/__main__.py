from infercode.cli.main import main

main()
