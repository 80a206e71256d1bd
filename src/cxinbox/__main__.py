from cxinbox.cli import main

main()
