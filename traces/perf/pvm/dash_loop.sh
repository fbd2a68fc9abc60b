for i in $(seq 1 40); do echo $i | tr 0-9 a-j | sort | wc -c > /dev/null; done
