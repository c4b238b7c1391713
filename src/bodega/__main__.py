from bodega.cli.main import main

main()
