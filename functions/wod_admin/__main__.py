from wod_admin.cli import main

main()
