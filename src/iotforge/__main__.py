from iotforge.cli.main import run

run()
