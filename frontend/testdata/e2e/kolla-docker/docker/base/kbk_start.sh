#!/bin/sh
# Start script of the e2e base image: runs the image's command.
exec "$@"
