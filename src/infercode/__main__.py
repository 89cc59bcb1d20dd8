from infercode.cli import main

main()
